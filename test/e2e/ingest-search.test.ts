import { describe, expect, test } from "bun:test"
import { json, removeDataDir, startServer, stopServer, useServer } from "../support/server-process.ts"

const server = useServer(() => ({ env: { INGEST_MAX_BODY_BYTES: "65536" } }))

const ingest = (body: string, contentType = "application/x-ndjson") =>
  fetch(`${server().url}/api/v1/logs`, { method: "POST", headers: { "content-type": contentType }, body })
const get = (path: string) => fetch(`${server().url}${path}`)
const ndjson = (records: ReadonlyArray<Record<string, unknown>>) => records.map((r) => JSON.stringify(r)).join("\n")

describe("ingest and search through the running server", () => {
  test("accepted records are searchable as soon as ingest answers; a bad line is reported, not fatal", async () => {
    const response = await ingest(
      [
        JSON.stringify({ service: "payment-service", level: "err", message: "card declined for order 1234", user_id: 7 }),
        "{this is not json",
        JSON.stringify({ service: "auth-service", level: "warning", message: "slow login", timestamp: "2026-11-30T10:00:00Z" }),
        JSON.stringify({ message: "who sent this?" })
      ].join("\n")
    )
    expect(response.status).toBe(200)
    const body = await json(response)
    expect(body).toEqual({
      accepted: 2,
      rejected: 2,
      errors: [
        { line: 2, message: expect.stringContaining("invalid JSON") },
        { line: 4, message: expect.stringContaining("'service' is required") }
      ]
    })

    const search = await json(get("/api/v1/logs/search?query=declined&service=payment-service&level=ERROR"))
    expect(search.total).toBe(1)
    expect(search.logs[0]).toMatchObject({ service: "payment-service", level: "ERROR", message: "card declined for order 1234", attributes: { user_id: 7 } })
    expect(typeof search.took_ms).toBe("number")

    const one = await get(`/api/v1/logs/${search.logs[0].id}`)
    expect(one.status).toBe(200)
    expect((await json(one)).message).toBe("card declined for order 1234")

    const warn = await json(get("/api/v1/logs/search?level=WARN&from=2026-11-30T09:59:00Z&to=2026-11-30T10:01:00Z"))
    expect(warn.logs.map((l: { timestamp: string }) => l.timestamp)).toEqual(["2026-11-30T10:00:00.000Z"])

    // Lists are comma-separated (or repeated keys); free text may hold commas.
    expect((await json(get("/api/v1/logs/search?service=payment-service,auth-service"))).total).toBe(2)
    expect((await json(get("/api/v1/logs/search?service=payment-service&service=auth-service"))).total).toBe(2)
    expect((await json(get("/api/v1/logs/search?level=error,warn"))).total).toBe(2)
    expect((await json(get(`/api/v1/logs/search?query=${encodeURIComponent("declined, order")}`))).total).toBe(1)
  })

  test("common shapes are understood as shipped: a pino line (numeric level, epoch time, msg), ECS objects, a syslog tag", async () => {
    const at = Date.parse("2026-12-01T08:00:00.125Z")
    const response = await ingest(
      ndjson([
        { level: 50, time: at, pid: 12, hostname: "node-1", name: "pino-app", msg: "card declined", trace_id: "t-1" },
        {
          "@timestamp": "2026-12-01T08:00:01Z",
          log: { level: "Warning" },
          service: { name: "ecs-app" },
          host: { name: "node-2" },
          message: "slow",
          trace: { id: "t-2" }
        },
        { ts: at / 1000, severity: 3, syslogtag: "cron[77]:", message: " job failed" }
      ])
    )
    expect(await json(response)).toEqual({ accepted: 3, rejected: 0, errors: [] })
    const pino = await json(get("/api/v1/logs/search?service=pino-app"))
    expect(pino.logs[0]).toMatchObject({
      level: "ERROR",
      timestamp: "2026-12-01T08:00:00.125Z",
      host: "node-1",
      message: "card declined",
      trace_id: "t-1",
      attributes: { pid: 12 }
    })
    const ecs = await json(get("/api/v1/logs/search?service=ecs-app"))
    expect(ecs.logs[0]).toMatchObject({ level: "WARN", timestamp: "2026-12-01T08:00:01.000Z", host: "node-2", trace_id: "t-2", attributes: {} })
    const cron = await json(get("/api/v1/logs/search?service=cron"))
    expect(cron.logs[0]).toMatchObject({ level: "ERROR", timestamp: "2026-12-01T08:00:00.125Z", message: "job failed", attributes: { "syslog.procid": "77" } })
  })

  test("pages through results newest first with next_cursor", async () => {
    const records = Array.from({ length: 30 }, (_, i) => ({ service: "pager", message: `page line ${i}`, timestamp: 1_700_000_000_000 + i }))
    expect((await ingest(ndjson(records))).status).toBe(200)
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page: { logs: Array<{ message: string }>; next_cursor: string | null } = await json(
        get(`/api/v1/logs/search?service=pager&limit=8${cursor ? `&cursor=${cursor}` : ""}`)
      )
      seen.push(...page.logs.map((l) => l.message))
      cursor = page.next_cursor
    } while (cursor)
    expect(seen).toEqual(records.map((r) => r.message).reverse())
    const recent = await json(get("/api/v1/logs/recent?service=pager&limit=2"))
    expect(recent.logs.map((l: { message: string }) => l.message)).toEqual(["page line 29", "page line 28"])
  })

  test("paging stays exact while records arrive inside the paged range: every record of the start once, none twice", async () => {
    const base = 1_710_000_000_000
    const first = Array.from({ length: 120 }, (_, i) => ({ service: "busy-pager", message: `before ${i}`, timestamp: base + i * 1_000 }))
    expect((await ingest(ndjson(first))).status).toBe(200)
    const seen: string[] = []
    let cursor: string | null = null
    let page = 0
    do {
      const result: { logs: Array<{ message: string }>; next_cursor: string | null } = await json(
        get(`/api/v1/logs/search?service=busy-pager&from=${base}&to=${base + 200_000}&limit=10${cursor ? `&cursor=${cursor}` : ""}`)
      )
      seen.push(...result.logs.map((l) => l.message))
      cursor = result.next_cursor
      // Between pages, records land before, among and after the ones already paged past.
      const arriving = [0, 37, 59, 118, 150].map((seconds, j) => ({
        service: "busy-pager",
        message: `during ${page}.${j}`,
        timestamp: base + seconds * 1_000 + 500
      }))
      expect((await ingest(ndjson(arriving))).status).toBe(200)
      page++
    } while (cursor)
    const before = seen.filter((m) => m.startsWith("before "))
    expect(new Set(seen).size).toBe(seen.length)
    expect(before.sort()).toEqual(first.map((r) => r.message).sort())
  })

  test("context, facets and histogram of a search", async () => {
    const base = Date.parse("2026-01-01T00:00:00Z")
    const lines = Array.from({ length: 10 }, (_, i) => ({
      service: "ctx",
      host: "h1",
      level: i % 3 === 0 ? "ERROR" : "INFO",
      message: `ctx line ${i}`,
      timestamp: base + i * 60_000
    }))
    expect((await ingest(ndjson(lines))).status).toBe(200)
    const page = await json(get("/api/v1/logs/search?service=ctx&query=%225%22"))
    const context = await json(get(`/api/v1/logs/${page.logs[0].id}/context?before=2&after=2`))
    expect(context.before.map((l: { message: string }) => l.message)).toEqual(["ctx line 3", "ctx line 4"])
    expect(context.record.message).toBe("ctx line 5")
    expect(context.after.map((l: { message: string }) => l.message)).toEqual(["ctx line 6", "ctx line 7"])

    const facets = await json(get("/api/v1/logs/facets?service=ctx&fields=level"))
    expect(facets.fields.level).toEqual([
      { value: "INFO", count: 6 },
      { value: "ERROR", count: 4 }
    ])
    expect((await get("/api/v1/logs/facets?fields=password")).status).toBe(400)

    const histogram = await json(get(`/api/v1/logs/histogram?service=ctx&from=${base}&to=${base + 9 * 60_000}&interval=5m`))
    expect(histogram.buckets.map((b: { count: number }) => b.count)).toEqual([5, 5])
    const auto = await json(get(`/api/v1/logs/histogram?service=ctx&from=${base}&to=${base + 3_600_000}`))
    expect(auto.interval_ms).toBe(60_000)
    expect(auto.buckets.reduce((n: number, b: { count: number }) => n + b.count, 0)).toBe(10)
    // Split by level, for the console's stacked chart: only the levels the search allows.
    const byLevel = await json(get(`/api/v1/logs/histogram?service=ctx&level=ERROR,INFO&from=${base}&to=${base + 9 * 60_000}&interval=5m&by=level`))
    expect(byLevel.levels).toEqual(["INFO", "ERROR"])
    expect(byLevel.buckets.map((b: { count: number; levels: object }) => [b.count, b.levels])).toEqual([
      [5, { INFO: 3, ERROR: 2 }],
      [5, { INFO: 3, ERROR: 2 }]
    ])
  })

  test.each([
    ["/api/v1/logs/search?limit=5000", "limit"],
    ["/api/v1/logs/search?level=LOUD", "level"],
    ["/api/v1/logs/search?from=yesterday", "from"],
    ["/api/v1/logs/search?query=(unclosed", "query"],
    ["/api/v1/logs/search?query=level:loud", "query"],
    ["/api/v1/logs/search?query=timestamp:>yesterday", "query"],
    ["/api/v1/logs/search?cursor=garbage", "cursor"],
    ["/api/v1/logs/not-a-ulid", "id"],
    ["/api/v1/logs/histogram?by=host", "by"],
    ["/api/v1/logs/facets?attributes=51", "attributes"]
  ])("GET %s is a 400 naming %p", async (path, field) => {
    const response = await get(path)
    expect(response.status).toBe(400)
    const body = await json(response)
    expect(body.error).toBe("invalid_input")
    expect(body.message.startsWith(`${field}:`)).toBe(true)
    expect(body.request_id).toBe(response.headers.get("x-request-id")!)
  })

  test("an unknown id is a 404", async () => {
    const response = await get("/api/v1/logs/01ARZ3NDEKTSV4RRFFQ69G5FAV")
    expect(response.status).toBe(404)
    expect((await json(response)).error).toBe("not_found")
  })

  test("a body over the configured limit is a 413 and stores nothing", async () => {
    const big = ndjson(Array.from({ length: 1000 }, (_, i) => ({ service: "too-big", message: `line ${i} ${"x".repeat(80)}` })))
    const response = await ingest(big)
    expect(response.status).toBe(413)
    expect((await json(response)).error).toBe("payload_too_large")
    expect((await json(get("/api/v1/logs/search?service=too-big"))).total).toBe(0)
  })

  test("a batch where every line is bad is a 400 listing each line", async () => {
    const response = await ingest('[1, {"service": "x"}]', "application/json")
    expect(response.status).toBe(400)
    const body = await json(response)
    expect(body).toMatchObject({ error: "invalid_input", accepted: 0, rejected: 2 })
    expect(body.errors.map((e: { line: number }) => e.line)).toEqual([1, 2])
    const empty = await ingest("[]", "application/json")
    expect(empty.status).toBe(400)
    expect((await json(empty)).message).toBe("body: holds no records")
  })

  test("health, root and API docs are served", async () => {
    const health = await json(get("/health"))
    expect(health).toMatchObject({ status: "healthy", services: { log_store: "healthy", log_bus: "healthy" } })
    expect(health.details.actors.map((a: { kind: string }) => a.kind)).toContain("batch-indexer")
    expect((await json(get("/"))).links.docs).toBe("/docs")
    const docs = await get("/docs")
    expect(docs.headers.get("content-type")).toContain("text/html")
    const spec = await json(get("/docs/json"))
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(["/api/v1/logs", "/api/v1/logs/search", "/api/v1/logs/recent", "/api/v1/logs/{id}", "/health"])
    )
    expect(spec.paths["/api/v1/logs/search"].get.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(["query", "service", "level", "from", "to", "limit", "cursor"])
    )
  })
})

describe("start-up and shutdown", () => {
  test("SIGTERM drains and exits cleanly, and the records survive a restart", async () => {
    const first = await startServer()
    try {
      const response = await fetch(`${first.url}/api/v1/logs`, { method: "POST", body: JSON.stringify({ service: "svc", message: "kept across restarts" }) })
      expect(response.status).toBe(200)
      expect(await stopServer(first)).toBe(0)
      const second = await startServer({ dataDir: first.dataDir })
      const found = await json(fetch(`${second.url}/api/v1/logs/search?query=restarts`))
      expect(found.total).toBe(1)
      await stopServer(second)
    } finally {
      removeDataDir(first.dataDir)
    }
  }, 30_000) // two start-ups and a drain: more than the default 5 s on a busy machine

  test("an invalid setting stops start-up with a message naming the variable", async () => {
    const proc = Bun.spawn([process.execPath, "run", "src/main.ts", "all"], {
      cwd: `${import.meta.dir}/../..`,
      env: { ...process.env, API_PORT: "eighty" },
      stdout: "pipe",
      stderr: "pipe"
    })
    expect(await proc.exited).toBe(2)
    expect(await new Response(proc.stderr).text()).toContain("API_PORT")
  })
})
