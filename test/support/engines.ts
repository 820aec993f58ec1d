import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "bun:test"
import { Client, HttpConnection } from "@elastic/elasticsearch"
import { freePort } from "./server-process.ts"
import { inCI } from "./ci.ts"

/**
 * Kafka, Elasticsearch and OpenSearch for tests: the one named by the environment (`.ci/run`
 * starts each engine once and exports TEST_KAFKA_BOOTSTRAP_SERVERS / TEST_ELASTICSEARCH_HOSTS /
 * TEST_OPENSEARCH_HOSTS; not the
 * names LogFlow reads, or every server a test starts would switch engines), or else one started
 * for this test file with scripts/engines/*.sh and stopped after it. In CI an engine that cannot
 * be had fails the tests; elsewhere they are skipped with the reason printed.
 */

const ROOT = join(import.meta.dir, "../..")

export type Engine = "elasticsearch" | "kafka" | "opensearch"

const ENV: Record<Engine, string> = {
  elasticsearch: "TEST_ELASTICSEARCH_HOSTS",
  kafka: "TEST_KAFKA_BOOTSTRAP_SERVERS",
  opensearch: "TEST_OPENSEARCH_HOSTS"
}

const script = (engine: Engine, ...args: string[]) =>
  Bun.spawnSync(["bash", join(ROOT, "scripts/engines", `${engine}.sh`), ...args], { stdout: "pipe", stderr: "pipe" })

/**
 * The address of a running engine (a URL for Elasticsearch and OpenSearch, host:port for Kafka), or undefined
 * when it cannot be had outside CI. Call at the top level of a test file. `cleanUp` runs after
 * the file's tests, while the engine still runs (hooks run in the order they were registered,
 * so a file's own afterAll would come after the engine was stopped).
 */
export const useEngine = async (engine: Engine, cleanUp: (address: string) => Promise<void> = async () => {}): Promise<string | undefined> => {
  const given = process.env[ENV[engine]]
  if (given) {
    afterAll(() => cleanUp(given))
    return given
  }
  const fetched = Bun.spawnSync(["bash", join(ROOT, "scripts/engines/fetch.sh"), engine], { stdout: "pipe", stderr: "pipe" })
  const unavailable = (why: string) => {
    if (inCI()) throw new Error(`${engine} is required in CI: ${why}`)
    console.warn(`skipping ${engine} tests: ${why}`)
    return undefined
  }
  if (fetched.exitCode !== 0) return unavailable(`scripts/engines/fetch.sh ${engine} failed:\n${fetched.stderr.toString()}`)
  const dir = mkdtempSync(join(tmpdir(), `logflow-${engine}-`))
  // The script leaves the engine running detached once it answers; the file's end stops it.
  const proc = Bun.spawn(["bash", join(ROOT, "scripts/engines", `${engine}.sh`), "start", "--port", String(freePort()), "--dir", dir], {
    stdout: "pipe",
    stderr: "pipe"
  })
  const [code, out, err] = await Promise.all([proc.exited, new Response(proc.stdout).text(), new Response(proc.stderr).text()])
  if (code !== 0) {
    rmSync(dir, { recursive: true, force: true })
    return unavailable(`scripts/engines/${engine}.sh start failed:\n${err}`)
  }
  const address = out.trim().split("\n").at(-1)!
  afterAll(async () => {
    await cleanUp(address)
    script(engine, "stop", "--dir", dir)
    rmSync(dir, { recursive: true, force: true })
  })
  return address
}

/**
 * A scale-out deployment of its own on the shared test engines: LogFlow settings that give
 * every process started with them the same topic, consumer group and index, named by `tag`,
 * and a clean-up that drops the index (for useEngine's `cleanUp`).
 */
export const isolatedScaleOut = (tag: string) => {
  const index = `lf-${tag}`
  return {
    env: (engines: { readonly kafka: string; readonly elasticsearch: string; readonly databaseUrl: string }) => ({
      KAFKA_BOOTSTRAP_SERVERS: engines.kafka,
      KAFKA_TOPIC: `logs-${tag}`,
      KAFKA_DLQ_TOPIC: `logs-${tag}.dlq`,
      KAFKA_GROUP_ID: `indexers-${tag}`,
      KAFKA_PARTITIONS: "4",
      // The broker's minimum: a killed worker's partitions move after 6 s.
      KAFKA_SESSION_TIMEOUT_MS: "6000",
      KAFKA_COMMIT_INTERVAL_MS: "200",
      ELASTICSEARCH_HOSTS: engines.elasticsearch,
      ELASTICSEARCH_INDEX: index,
      DATABASE_URL: engines.databaseUrl,
      RATE_LIMIT_ENABLED: "false"
    }),
    dropIndex: async (hosts: string) => {
      const client = new Client({ node: hosts.split(",")[0]!, Connection: HttpConnection })
      await client.indices.delete({ index: `${index}*`, ignore_unavailable: true, allow_no_indices: true })
      await client.indices.deleteIndexTemplate({ name: index }).catch(() => undefined)
      await client.close()
    }
  }
}
