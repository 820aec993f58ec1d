import { beforeAll, describe, expect, test } from "bun:test"
import { json, useServer } from "../support/server-process.ts"

const server = useServer(() => ({ env: { ADMIN_PASSWORD: "admin-password-1" } }))
const now = Date.now()
const minutesAgo = (m: number) => new Date(now - m * 60_000).toISOString()

beforeAll(async () => {
  const records = [
    ...Array.from({ length: 6 }, (_, i) => ({ service: "payment-service", level: "INFO", message: `paid order ${i}`, timestamp: minutesAgo(2) })),
    { service: "payment-service", level: "ERROR", message: "timeout after 3000ms id=42", timestamp: minutesAgo(2) },
    { service: "payment-service", level: "ERROR", message: "timeout after 2500ms id=7", timestamp: minutesAgo(1) },
    { service: "payment-service", level: "ERROR", message: "timeout after 100ms id=9", timestamp: minutesAgo(8) },
    { service: "auth-service", level: "WARN", message: "slow login", timestamp: minutesAgo(3) },
    { service: "auth-service", level: "INFO", message: "login ok", timestamp: minutesAgo(12) },
    { service: "legacy-service", level: "INFO", message: "last words", timestamp: minutesAgo(300) }
  ]
  const response = await fetch(`${server().url}/api/v1/logs`, { method: "POST", body: JSON.stringify(records) })
  expect((await json(response)).accepted).toBe(records.length)
})

const get = (path: string, token?: string) => fetch(`${server().url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {})
const adminToken = async () =>
  (await json(fetch(`${server().url}/api/v1/auth/login`, { method: "POST", body: new URLSearchParams({ username: "admin", password: "admin-password-1" }) })))
    .access_token as string

describe("metrics from rollups", () => {
  test("overview: totals, 15-minute levels, error rate and health per service, grouped top errors; cached", async () => {
    const first = await get("/api/v1/metrics/overview")
    expect(first.headers.get("x-cache")).toBe("MISS")
    const overview = await json(first)
    expect(overview.total_logs).toBe(12)
    expect(overview.levels).toEqual({ TRACE: 0, DEBUG: 0, INFO: 7, WARN: 1, ERROR: 3, FATAL: 0 })
    expect(overview.rates["15m"].count).toBe(11)
    expect(overview.rates["1m"].count).toBeLessThanOrEqual(overview.rates["5m"].count)
    const byName = Object.fromEntries(overview.services.map((s: { service: string }) => [s.service, s]))
    expect(byName["payment-service"]).toMatchObject({ count: 9, errors: 3, error_rate: 0.3333, health: "critical" })
    expect(byName["auth-service"]).toMatchObject({ count: 2, errors: 0, health: "healthy" })
    expect(byName["legacy-service"]).toMatchObject({ count: 0, health: "silent" })
    expect(overview.top_errors[0]).toMatchObject({ service: "payment-service", fingerprint: "timeout after <n>ms id=<n>", count: 3 })

    const second = await get("/api/v1/metrics/overview")
    expect(second.headers.get("x-cache")).toBe("HIT")
    expect(await json(second)).toEqual(overview)
  })

  test("one service's metrics, and 404 for a service never seen", async () => {
    const service = await json(get("/api/v1/metrics/service/payment-service"))
    expect(service).toMatchObject({ service: "payment-service", total_logs: 9, errors: 3, health: "critical" })
    expect(service.levels_all_time.ERROR).toBe(3)
    const missing = await get("/api/v1/metrics/service/never-seen")
    expect(missing.status).toBe(404)
    expect((await json(missing)).error).toBe("not_found")
  })

  test("timeseries: buckets with zero-filled gaps, filtered by service and level", async () => {
    const series = await json(get("/api/v1/metrics/timeseries?interval=1m&from=now-15m&service=payment-service&level=ERROR"))
    expect(series.buckets.length).toBe(16)
    expect(series.buckets.reduce((n: number, b: { count: number }) => n + b.count, 0)).toBe(3)
    expect(series.buckets.filter((b: { count: number }) => b.count === 0).length).toBe(13)
    expect((await get("/api/v1/metrics/timeseries?interval=2m")).status).toBe(400)
    const tooMany = await get("/api/v1/metrics/timeseries?interval=1m&from=now-30d")
    expect(tooMany.status).toBe(400)
    expect((await json(tooMany)).message.startsWith("interval:")).toBe(true)
  })

  test("services over time: logs and errors per bucket for the busiest services first, zero-filled; cached", async () => {
    const first = await get("/api/v1/metrics/services?interval=1m&from=now-15m")
    expect(first.headers.get("x-cache")).toBe("MISS")
    const body = await json(first)
    expect(body.services.map((s: { service: string }) => s.service)).toEqual(["payment-service", "auth-service"])
    const payment = body.services[0]
    expect(payment).toMatchObject({ count: 9, errors: 3, error_rate: 0.3333 })
    expect(payment.buckets.length).toBe(16)
    expect(payment.buckets.reduce((n: number, b: { errors: number }) => n + b.errors, 0)).toBe(3)
    expect((await get("/api/v1/metrics/services?interval=1m&from=now-15m")).headers.get("x-cache")).toBe("HIT")
    const one = await json(get("/api/v1/metrics/services?interval=5m&from=now-15m&service=auth-service&limit=1"))
    expect(one).toMatchObject({ services: [{ service: "auth-service", count: 2, errors: 0 }], more_services: 0 })
    const limited = await json(get("/api/v1/metrics/services?interval=5m&from=now-15m&limit=1"))
    expect(limited).toMatchObject({ services: [{ service: "payment-service" }], more_services: 1 })
    const tooMany = await get("/api/v1/metrics/services?interval=1m&from=now-30d")
    expect(tooMany.status).toBe(400)
    expect((await json(tooMany)).message.startsWith("interval:")).toBe(true)
    expect((await get("/api/v1/metrics/services?limit=101")).status).toBe(400)
  })

  test("system: ingest rate, indexer batches, queues, store and process", async () => {
    const system = await json(get("/api/v1/metrics/system"))
    expect(system.ingest.records_indexed_since_start).toBe(12)
    expect(system.indexer.batches).toBeGreaterThanOrEqual(1)
    expect(system.pipeline.map((a: { kind: string }) => a.kind)).toContain("batch-indexer")
    expect(system.store.bytes).toBeGreaterThan(0)
    expect(system.process.rss_bytes).toBeGreaterThan(0)
  })
})

describe("cache and rate-limit management", () => {
  test("stats are public; clearing needs an admin and removes matching keys", async () => {
    await get("/api/v1/metrics/overview")
    const stats = await json(get("/api/v1/cache/stats"))
    expect(stats).toMatchObject({ backend: "memory" })
    expect(stats.hits).toBeGreaterThanOrEqual(1)
    expect((await fetch(`${server().url}/api/v1/cache/clear?pattern=metrics:*`, { method: "DELETE" })).status).toBe(401)
    const cleared = await json(
      fetch(`${server().url}/api/v1/cache/clear?pattern=metrics:*`, { method: "DELETE", headers: { authorization: `Bearer ${await adminToken()}` } })
    )
    expect(cleared.removed).toBeGreaterThanOrEqual(1)
    expect((await get("/api/v1/metrics/overview")).headers.get("x-cache")).toBe("MISS")
  })

  test("admins see usage per client and can reset it", async () => {
    const token = await adminToken()
    await get("/api/v1/logs/search?query=paid")
    const status = await json(get("/api/v1/rate-limits/status", token))
    expect(status.limits.search).toBe("50 per 1 minute")
    const client = status.clients.find((c: { name: string }) => c.name === "search")
    expect(client.used).toBeGreaterThanOrEqual(1)
    const reset = await fetch(`${server().url}/api/v1/rate-limits/reset/${encodeURIComponent(client.client)}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${token}` }
    })
    expect(reset.status).toBe(200)
    expect(
      (await json(get("/api/v1/rate-limits/status", token))).clients.find(
        (c: { client: string; name: string }) => c.client === client.client && c.name === "search"
      )
    ).toBeUndefined()
    expect((await fetch(`${server().url}/api/v1/rate-limits/reset-all`, { method: "DELETE", headers: { authorization: `Bearer ${token}` } })).status).toBe(200)
    expect((await get("/api/v1/rate-limits/status")).status).toBe(401)
  })

  test("every limited response carries RateLimit headers", async () => {
    const response = await get("/api/v1/metrics/overview")
    expect(response.headers.get("ratelimit-limit")).toBe("100")
    expect(Number(response.headers.get("ratelimit-remaining"))).toBeLessThan(100)
  })
})
