import { beforeAll, describe, expect, test } from "bun:test"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import parsePrometheusTextFormat from "parse-prometheus-text-format"
import { freePort, json, useServer } from "../support/server-process.ts"
import { inCI } from "../support/ci.ts"

/** GET /metrics read by real Prometheus tooling: a text-format parser, promtool, and a Prometheus server. */

interface Family {
  name: string
  type: string
  metrics: Array<{ labels?: Record<string, string>; value?: string; buckets?: Record<string, string> }>
}

const server = useServer(() => ({ env: { ADMIN_PASSWORD: "admin-password-1", RATE_LIMIT_LOGIN: "3/hour" } }))
const scrape = async (): Promise<Map<string, Family>> => {
  const response = await fetch(`${server().url}/metrics`)
  expect(response.headers.get("content-type")).toContain("text/plain")
  const families = parsePrometheusTextFormat(await response.text()) as Family[]
  return new Map(families.map((f) => [f.name, f]))
}
const labelSets = (family: Family | undefined) => (family?.metrics ?? []).map((m) => m.labels ?? {})

beforeAll(async () => {
  // Traffic that touches every documented metric we can drive.
  await fetch(`${server().url}/api/v1/logs`, { method: "POST", body: JSON.stringify([{ service: "checkout", level: "ERROR", message: "boom" }, { nope: 1 }]) })
  await fetch(`${server().url}/api/v1/logs/search?query=boom`)
  await fetch(`${server().url}/api/v1/metrics/overview`)
  await fetch(`${server().url}/api/v1/metrics/overview`)
  await fetch(`${server().url}/api/v1/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "promuser", email: "p@example.com", password: "long-enough-1" })
  })
  for (const password of ["wrong-1", "admin-password-1", "x", "y"]) {
    await fetch(`${server().url}/api/v1/auth/login`, { method: "POST", body: new URLSearchParams({ username: "admin", password }) })
  }
  await fetch(`${server().url}/api/v1/auth/me`, { headers: { authorization: "Bearer not-a-token" } })
})

describe("Prometheus metrics", () => {
  test("every documented metric family is exported with its labels", async () => {
    const families = await scrape()
    const expectLabels = (name: string, type: string, labels: string[]) => {
      const family = families.get(name)
      expect([name, family?.type]).toEqual([name, type])
      expect(family!.metrics.length).toBeGreaterThan(0)
      // This parser drops a histogram's labels when `le` comes first (as prom-client writes it);
      // histogram labels are checked through the Prometheus server below instead.
      if (type === "HISTOGRAM") return
      for (const set of labelSets(family)) expect(Object.keys(set).sort()).toEqual([...labels].sort())
    }
    expectLabels("http_requests_total", "COUNTER", ["method", "endpoint", "status"])
    expectLabels("http_request_duration_seconds", "HISTOGRAM", ["method", "endpoint"])
    expectLabels("logs_processed_total", "COUNTER", [])
    expectLabels("logs_indexed_total", "COUNTER", ["service", "level"])
    expectLabels("sqlite_queries_total", "COUNTER", ["operation"])
    expectLabels("sqlite_query_duration_seconds", "HISTOGRAM", ["operation"])
    expectLabels("cache_hits_total", "COUNTER", ["cache_key_prefix"])
    expectLabels("cache_misses_total", "COUNTER", ["cache_key_prefix"])
    expectLabels("database_queries_total", "COUNTER", ["operation"])
    expectLabels("database_connections", "GAUGE", [])
    expectLabels("auth_attempts_total", "COUNTER", ["result"])
    expectLabels("users_registered_total", "COUNTER", [])
    expectLabels("rate_limit_exceeded_total", "COUNTER", ["endpoint"])
    expectLabels("ingest_records_total", "COUNTER", ["protocol", "result"])
    // Declared with their documented names and labels.
    expect(families.get("alerts_checked_total")?.type).toBe("COUNTER")
    const text = await (await fetch(`${server().url}/metrics`)).text()
    expect(text).toContain("# TYPE alerts_triggered_total counter")
    expectLabels("logflow_actor_mailbox_depth", "GAUGE", ["actor", "kind"])
    expectLabels("logflow_actor_restarts", "GAUGE", ["actor", "kind"])
    expectLabels("logflow_indexer_batch_size", "HISTOGRAM", [])
    expectLabels("logflow_indexing_duration_seconds", "HISTOGRAM", [])
    expectLabels("process_resident_memory_bytes", "GAUGE", [])
    expectLabels("process_cpu_seconds_total", "COUNTER", [])

    const value = (name: string, labels: Record<string, string> = {}) =>
      Number(families.get(name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value)
    expect(value("logs_indexed_total", { service: "checkout", level: "ERROR" })).toBe(1)
    expect(value("ingest_records_total", { protocol: "json", result: "rejected" })).toBe(1)
    expect(value("cache_hits_total", { cache_key_prefix: "metrics:overview" })).toBe(1)
    expect(value("users_registered_total")).toBe(1)
    expect(value("auth_attempts_total", { result: "success" })).toBe(1)
    expect(value("auth_attempts_total", { result: "invalid_credentials" })).toBe(2)
    expect(value("auth_attempts_total", { result: "invalid_token" })).toBe(1)
    expect(value("rate_limit_exceeded_total", { endpoint: "/api/v1/auth/login" })).toBe(1)
    expect(value("http_requests_total", { method: "GET", endpoint: "/api/v1/logs/search", status: "200" })).toBe(1)
  })

  test("label cardinality stays bounded: 1,000 distinct log ids are one endpoint", async () => {
    const page = await json(fetch(`${server().url}/api/v1/logs/search?limit=1`))
    const id: string = page.logs[0].id
    for (let i = 0; i < 1000; i++) {
      // Distinct, valid, unknown ids (404) and the one known id: all the same route template.
      const other = id.slice(0, 16) + i.toString(32).toUpperCase().padStart(10, "0")
      await fetch(`${server().url}/api/v1/logs/${i === 0 ? id : other}`)
    }
    await fetch(`${server().url}/no/such/path/${crypto.randomUUID()}`)
    const families = await scrape()
    const endpoints = new Set(labelSets(families.get("http_requests_total")).map((l) => l.endpoint))
    expect([...endpoints].filter((e) => e!.startsWith("/api/v1/logs/"))).toEqual(expect.arrayContaining(["/api/v1/logs/:id"]))
    expect([...endpoints].some((e) => e!.includes(id))).toBe(false)
    expect(endpoints.has("unmatched")).toBe(true)
    expect(families.get("http_requests_total")!.metrics.length).toBeLessThan(40)
  }, 60_000)

  const promtool = Bun.which("promtool")
  const prometheus = Bun.which("prometheus")
  if (!promtool || !prometheus) {
    if (inCI()) throw new Error("promtool and prometheus are required in CI (.ci/run installs Debian's prometheus package)")
    console.warn("skipping promtool/Prometheus checks: install Debian's prometheus package to run them")
    return
  }

  test("promtool finds the exposition valid", async () => {
    const text = await (await fetch(`${server().url}/metrics`)).text()
    const check = Bun.spawnSync([promtool, "check", "metrics"], { stdin: Buffer.from(text), stdout: "pipe", stderr: "pipe" })
    expect([check.exitCode, check.stdout.toString() + check.stderr.toString()]).toEqual([0, ""])
  })

  test("a real Prometheus scrapes LogFlow and answers queries on http_requests_total", async () => {
    const dir = mkdtempSync(join(tmpdir(), "logflow-prometheus-"))
    const port = freePort()
    const target = new URL(server().url).host
    writeFileSync(
      join(dir, "prometheus.yml"),
      `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: logflow\n    static_configs:\n      - targets: ['${target}']\n`
    )
    const proc = Bun.spawn(
      [prometheus, `--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`],
      { stdout: "ignore", stderr: "ignore" }
    )
    try {
      let series: Array<{ metric: Record<string, string> }> = []
      for (let i = 0; i < 60 && series.length === 0; i++) {
        await Bun.sleep(500)
        const answer = (await fetch(`http://127.0.0.1:${port}/api/v1/query?query=http_requests_total`).then(
          (r) => r.json(),
          () => undefined
        )) as { data?: { result: typeof series } } | undefined
        series = answer?.data?.result ?? []
      }
      expect(series.length).toBeGreaterThan(0)
      expect(series.map((s) => s.metric.job)).toContain("logflow")
      expect(series.map((s) => s.metric.endpoint)).toContain("/api/v1/logs/search")
      const durations = (await fetch(`http://127.0.0.1:${port}/api/v1/query?query=http_request_duration_seconds_count`).then((r) => r.json())) as {
        data: { result: typeof series }
      }
      expect(durations.data.result.length).toBeGreaterThan(0)
      for (const s of durations.data.result) expect(Object.keys(s.metric).sort()).toEqual(["__name__", "endpoint", "instance", "job", "method"])
    } finally {
      proc.kill()
      await proc.exited
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)
})

describe("/metrics behind METRICS_TOKEN", () => {
  const guarded = useServer(() => ({ env: { METRICS_TOKEN: "scrape-token-0123456789" } }))

  test("a scrape without the token, or with another, is a 401; with it, the exposition", async () => {
    expect((await fetch(`${guarded().url}/metrics`)).status).toBe(401)
    expect((await fetch(`${guarded().url}/metrics`, { headers: { authorization: "Bearer wrong-token" } })).status).toBe(401)
    const scraped = await fetch(`${guarded().url}/metrics`, { headers: { authorization: "Bearer scrape-token-0123456789" } })
    expect(scraped.status).toBe(200)
    expect(await scraped.text()).toContain("# TYPE http_requests_total counter")
  })
})
