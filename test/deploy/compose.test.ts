import { describe, expect, test } from "bun:test"
import { existsSync } from "node:fs"
import { join } from "node:path"
import { parse } from "yaml"
import { CONFIG_VARIABLES, loadConfig } from "../../src/config.ts"
import { SERVER_ROLES } from "../../pipelines/roles.ts"
import { inCI } from "../support/ci.ts"

/**
 * No Docker engine runs here, so the Compose stack is checked by reading it: every service,
 * port, variable and healthcheck against LogFlow's own configuration schema and role table.
 */

const ROOT = join(import.meta.dir, "../..")
const compose = parse(await Bun.file(join(ROOT, "docker-compose.yml")).text(), { merge: true }) as { services: Record<string, any> }
const services = compose.services

/** `.env`-style lines: KEY=VALUE, comments and blank lines ignored. */
const readEnvFile = async (path: string) =>
  Object.fromEntries(
    (await Bun.file(join(ROOT, path)).text())
      .split("\n")
      .filter((line) => line.trim() !== "" && !line.trimStart().startsWith("#"))
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)])
  )

const envOf = async (service: any): Promise<Record<string, string>> => ({
  ...(service.env_file ? await readEnvFile(service.env_file) : {}),
  ...Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, String(v)]))
})

/** The services that run the LogFlow image, and the role their command names. */
const logflowServices = Object.entries(services).filter(([, s]) => s.build !== undefined)
const roleOf = (service: any) => String(service.command?.[0] ?? "all")

/** Variables in .env.docker that belong to the images next to LogFlow, not to LogFlow. */
const FOREIGN = /^(GF_)/

describe("docker-compose.yml", () => {
  test("has the whole stack: engines, the LogFlow roles, a generator, Prometheus and Grafana", () => {
    expect(Object.keys(services).sort()).toEqual([
      "alerting",
      "api",
      "elasticsearch",
      "generator",
      "grafana",
      "kafka",
      "postgres",
      "prometheus",
      "redis",
      "worker"
    ])
    expect(services.kafka.environment.KAFKA_PROCESS_ROLES).toBe("broker,controller") // KRaft, no ZooKeeper
    expect(services.worker.deploy.replicas).toBeGreaterThan(1)
    expect(services.alerting.deploy.replicas).toBeGreaterThan(1) // one leader, the others on standby
  })

  test("every LogFlow service runs a known role or command, with a configuration LogFlow accepts", async () => {
    for (const [name, service] of logflowServices) {
      const role = roleOf(service)
      expect([name, Object.hasOwn(SERVER_ROLES, role) || role === "generate" || role === "migrate"]).toEqual([name, true])
      const env = await envOf(service)
      // Every variable is one LogFlow reads, or belongs to a neighbouring image.
      const unknown = Object.keys(env).filter((k) => !CONFIG_VARIABLES.includes(k) && !FOREIGN.test(k))
      expect([name, unknown]).toEqual([name, []])
      // Validates exactly as start-up does (production refuses default secrets).
      const config = loadConfig(env)
      if (Object.hasOwn(SERVER_ROLES, role) && SERVER_ROLES[role as keyof typeof SERVER_ROLES].needsKafka) {
        expect([name, config.KAFKA_BOOTSTRAP_SERVERS]).not.toEqual([name, undefined])
      }
    }
  })

  test("the engines LogFlow is pointed at are services of the stack, on the ports they listen on", async () => {
    const config = loadConfig(await envOf(services.api))
    const listens: Record<string, number> = { kafka: 9092, elasticsearch: 9200, postgres: 5432, redis: 6379 }
    const kafkaListener = new URL(services.kafka.environment.KAFKA_ADVERTISED_LISTENERS.replace("PLAINTEXT://", "kafka://"))
    expect([kafkaListener.hostname, Number(kafkaListener.port)]).toEqual(["kafka", listens.kafka!])
    const addresses = [`kafka://${config.KAFKA_BOOTSTRAP_SERVERS}`, config.ELASTICSEARCH_HOSTS!, config.metaDatabaseUrl, config.redisUrl!].map(
      (a) => new URL(a)
    )
    expect(addresses.map((u) => [u.hostname, Number(u.port)])).toEqual([
      ["kafka", 9092],
      ["elasticsearch", 9200],
      ["postgres", 5432],
      ["redis", 6379]
    ])
    // The database LogFlow uses is the one the PostgreSQL container creates.
    const pg = await envOf(services.postgres)
    expect([decodeURIComponent(addresses[2]!.username), decodeURIComponent(addresses[2]!.password), addresses[2]!.pathname.slice(1)]).toEqual([
      pg.POSTGRES_USER!,
      pg.POSTGRES_PASSWORD!,
      pg.POSTGRES_DB!
    ])
  })

  test("the api publishes the ports LogFlow listens on (HTTP, and OTLP/gRPC, which the api role serves)", async () => {
    const config = loadConfig(await envOf(services.api))
    expect(services.api.ports).toEqual([`${config.API_PORT}:${config.API_PORT}`, `${config.OTLP_GRPC_PORT}:${config.OTLP_GRPC_PORT}`])
  })

  test("every server has a healthcheck, and services start only after what they need is healthy", () => {
    for (const [name, service] of Object.entries(services)) {
      // The generator is a client: nothing depends on it and it serves nothing to check.
      if (name !== "generator") expect([name, Array.isArray(service.healthcheck?.test)]).toEqual([name, true])
      for (const [dependency, rule] of Object.entries(service.depends_on ?? {})) {
        expect([name, dependency, (rule as any).condition]).toEqual([name, dependency, "service_healthy"])
        expect([dependency, services[dependency]?.healthcheck !== undefined]).toEqual([dependency, true])
      }
    }
    for (const [name, service] of logflowServices) {
      if (name === "generator") continue
      const port = loadConfig({}).API_PORT
      expect([name, service.healthcheck.test.join(" ")]).toEqual([name, expect.stringContaining(`:${port}/health`)])
      expect(Object.keys(service.depends_on).sort()).toEqual(["elasticsearch", "kafka", "postgres", "redis"])
    }
  })

  test("Prometheus scrapes the api, the workers and the alerting processes; Grafana gets the data source and the dashboard", async () => {
    const prometheus = parse(await Bun.file(join(ROOT, "deploy/docker/prometheus.yml")).text())
    const targets = prometheus.scrape_configs.flatMap((c: any) => [
      ...(c.static_configs ?? []).flatMap((s: any) => s.targets),
      ...(c.dns_sd_configs ?? []).flatMap((d: any) => d.names.map((n: string) => `${n}:${d.port}`))
    ])
    expect(targets.sort()).toEqual(["alerting:8000", "api:8000", "worker:8000"])
    const promtool = Bun.which("promtool")
    if (promtool) {
      const check = Bun.spawnSync([promtool, "check", "config", join(ROOT, "deploy/docker/prometheus.yml")], { stdout: "pipe", stderr: "pipe" })
      expect([check.exitCode, check.stderr.toString()]).toEqual([0, ""])
    } else if (inCI()) throw new Error("promtool is required in CI")
    const datasource = parse(await Bun.file(join(ROOT, "deploy/docker/grafana/provisioning/datasources/prometheus.yml")).text())
    expect(datasource.datasources[0]).toMatchObject({ type: "prometheus", url: "http://prometheus:9090", isDefault: true })
    const mounts: string[] = services.grafana.volumes
    expect(mounts).toContain("./grafana-dashboard.json:/var/lib/grafana/dashboards/logflow.json:ro")
    const provider = parse(await Bun.file(join(ROOT, "deploy/docker/grafana/provisioning/dashboards/logflow.yml")).text())
    expect(provider.providers[0].options.path).toBe("/var/lib/grafana/dashboards")
    // Every file or folder mounted from the repository exists.
    for (const mount of [...mounts, ...services.prometheus.volumes]) expect([mount, existsSync(join(ROOT, mount.split(":")[0]!))]).toEqual([mount, true])
  })

  test("the Dockerfile builds in stages on the Bun image of the version the project uses", async () => {
    const dockerfile = await Bun.file(join(ROOT, "Dockerfile")).text()
    const bases = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]!)
    const bun = (await Bun.file(join(ROOT, "package.json")).json()).devDependencies.bun.replace(/^\^/, "")
    expect(bases.length).toBeGreaterThan(1)
    for (const base of bases) expect(base).toStartWith(`oven/bun:${bun}`)
    expect(dockerfile).toContain(`EXPOSE ${loadConfig({}).API_PORT}`)
    expect(dockerfile).toMatch(/^ENTRYPOINT \["bun", "run", "src\/main.ts"\]$/m)
    expect(dockerfile).toMatch(/^HEALTHCHECK /m)
  })

  test("the image carries the web console, built in a stage (install scripts do not run there)", async () => {
    const dockerfile = await Bun.file(join(ROOT, "Dockerfile")).text()
    expect(dockerfile).toMatch(/^RUN bun scripts\/build-ui\.ts$/m)
    expect(dockerfile).toMatch(/^COPY --from=\w+ \/app\/dist \.\/dist$/m)
  })
})
