import { beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test"
import { eventually } from "../support/ingest.ts"
import { json, startServer, disposeServer, useServer } from "../support/server-process.ts"

/**
 * Grafana's Loki data source against the real server, with reads requiring credentials. Each
 * request is the one Grafana sends (its origin in Grafana's source is named on the test: the
 * backend's pkg/tsdb/loki/, the front end's public/app/plugins/datasource/loki/), and each answer
 * is checked field by field against Loki's JSON (Loki's pkg/util/marshal/query.go).
 */

// Run alone (`bun test <file>`), bun's default of 5 s is too short for starting servers on a busy machine.
setDefaultTimeout(60_000)

// Patterns are written to their store every second, and kept for as long as the fixed past these records are at.
const server = useServer(() => ({ env: { REQUIRE_AUTH_FOR_READ: "true", PATTERNS_FLUSH_MS: "1000", PATTERNS_HISTORY_HOURS: "87600" } }))

const T0 = Date.parse("2026-11-30T10:00:00Z")
const at = (seconds: number) => T0 + seconds * 1000
const ns = (ms: number) => `${ms}000000`
const START = ns(T0)
const END = ns(at(300))

const RECORDS = [
  { t: 5, service: "checkout", level: "ERROR", message: "payment timeout for order 42", host: "web-1", trace_id: "trace-1", attributes: { order_id: "42" } },
  { t: 20, service: "checkout", level: "INFO", message: 'level=info msg="order placed" duration=12ms status=200', host: "web-1" },
  { t: 40, service: "checkout", level: "WARN", message: 'level=warn msg="slow payment" duration=1500ms status=200', host: "web-2" },
  { t: 70, service: "checkout", level: "ERROR", message: "gateway timeout after 30s", host: "web-2" },
  { t: 90, service: "checkout", level: "INFO", message: '{"status":200,"path":"/cart","latency":0.12}', host: "web-1" },
  { t: 10, service: "search", level: "INFO", message: "query served in 5ms", host: "web-3" },
  { t: 120, service: "search", level: "DEBUG", message: '{"status":503,"path":"/q","latency":2.5}', host: "web-3" },
  { t: 150, service: "search", level: "ERROR", message: "index shard timeout", host: "web-3" }
]

let readKey = ""
let ingestKey = ""

const createKey = async (token: string, scopes: string[]) => {
  const created = await json(
    fetch(`${server().url}/api/v1/auth/api-keys`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ name: `grafana-${scopes.join("-")}`, scopes })
    })
  )
  return created.key as string
}

beforeAll(async () => {
  const login = await json(
    fetch(`${server().url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password: "admin123" })
    })
  )
  readKey = await createKey(login.access_token, ["read"])
  ingestKey = await createKey(login.access_token, ["ingest"])
  const body = RECORDS.map(({ t, ...r }) => JSON.stringify({ ...r, timestamp: new Date(at(t)).toISOString() })).join("\n")
  const ingested = await fetch(`${server().url}/api/v1/logs`, {
    method: "POST",
    headers: { "content-type": "application/x-ndjson", "x-api-key": ingestKey },
    body
  })
  expect(await ingested.json()).toMatchObject({ accepted: RECORDS.length, rejected: 0 })
})

/** Grafana's data source with "Basic authentication" on: any user, the API key as password. */
const basic = () => `Basic ${Buffer.from(`grafana:${readKey}`).toString("base64")}`

const grafana = (path: string, params: Record<string, string> | URLSearchParams = {}, headers: Record<string, string> = {}) =>
  fetch(`${server().url}/loki/api/v1/${path}?${new URLSearchParams(params)}`, { headers: { authorization: basic(), ...headers } })

const expectStats = (stats: any) => {
  expect(Object.keys(stats).sort()).toEqual(["ingester", "querier", "summary"])
  for (const field of [
    "bytesProcessedPerSecond",
    "linesProcessedPerSecond",
    "totalBytesProcessed",
    "totalLinesProcessed",
    "execTime",
    "queueTime",
    "subqueries",
    "totalEntriesReturned",
    "splits",
    "shards",
    "totalPostFilterLines",
    "totalStructuredMetadataBytesProcessed"
  ])
    expect(typeof stats.summary[field]).toBe("number")
  expect(Object.keys(stats.querier.store.chunk).sort()).toEqual([
    "compressedBytes",
    "decompressedBytes",
    "decompressedLines",
    "headChunkBytes",
    "headChunkLines",
    "totalDuplicates"
  ])
}

describe("Grafana's Loki data source reads LogFlow", () => {
  // pkg/tsdb/loki/healthcheck.go (Save & test: instant `vector(1)+vector(1)` over 1 s – 4 s),
  // sent by makeDataRequest in pkg/tsdb/loki/api.go: query, direction, time in nanoseconds.
  // 4 s in nanoseconds has ten digits, which Loki (pkg/loghttp/params.go) reads as seconds:
  // the sample's time is 4e9 s there too; Grafana checks only the value.
  test("Save & test: the health check's instant query answers a vector of one sample, 2", async () => {
    const response = await grafana("query", { query: "vector(1)+vector(1)", direction: "backward", time: "4000000000" })
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toStartWith("application/json")
    const body = await response.json()
    expect(Object.keys(body).sort()).toEqual(["data", "status"])
    expect(body.status).toBe("success")
    expect(Object.keys(body.data).sort()).toEqual(["result", "resultType", "stats"])
    expect(body.data.resultType).toBe("vector")
    expect(body.data.result).toEqual([{ metric: {}, value: [4_000_000_000, "2"] }])
    expectStats(body.data.stats)
  })

  // pkg/tsdb/loki/api.go makeDataRequest, range query: query, direction, limit (max lines),
  // start and end in nanoseconds, step in milliseconds with "ms".
  test("Explore, log query: streams of [nanoseconds, line], newest first, with stats", async () => {
    const body = await json(
      grafana("query_range", { query: '{service_name="checkout"}', direction: "backward", limit: "1000", start: START, end: END, step: "200ms" })
    )
    expect(body.status).toBe("success")
    expect(body.data.resultType).toBe("streams")
    const lines = body.data.result.flatMap((s: any) => s.values.map((v: any) => ({ stream: s.stream, ts: v[0], line: v[1], width: v.length })))
    expect(lines.length).toBe(5)
    for (const line of lines) {
      expect(line.width).toBe(2)
      expect(line.ts).toMatch(/^\d{19}$/)
      expect(line.stream.service_name).toBe("checkout")
    }
    const first = body.data.result.find((s: any) => s.stream.trace_id === "trace-1")
    expect(first).toEqual({
      stream: { host: "web-1", level: "error", order_id: "42", service_name: "checkout", trace_id: "trace-1" },
      values: [[ns(at(5)), "payment timeout for order 42"]]
    })
    for (const stream of body.data.result) {
      const times = stream.values.map((v: any) => BigInt(v[0]))
      expect([...times].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0))).toEqual(times)
    }
    expect(body.data.stats.summary.totalEntriesReturned).toBe(5)
    expectStats(body.data.stats)
  })

  // Loki's pkg/util/httpreq/encoding_flags.go: with X-Loki-Response-Encoding-Flags:
  // categorize-labels, structured metadata and parsed labels ride with each line.
  test("with categorize-labels, a line carries its structured metadata and parsed labels apart from the stream", async () => {
    const body = await json(
      grafana(
        "query_range",
        { query: '{service_name="checkout", level="error"} | logfmt', direction: "forward", limit: "10", start: START, end: END },
        { "x-loki-response-encoding-flags": "categorize-labels" }
      )
    )
    expect(body.data.encodingFlags).toEqual(["categorize-labels"])
    expect(body.data.result).toEqual([
      {
        stream: { host: "web-1", level: "error", service_name: "checkout" },
        values: [[ns(at(5)), "payment timeout for order 42", { structuredMetadata: { order_id: "42", trace_id: "trace-1" }, parsed: expect.any(Object) }]]
      },
      { stream: { host: "web-2", level: "error", service_name: "checkout" }, values: [[ns(at(70)), "gateway timeout after 30s", expect.any(Object)]] }
    ])
  })

  // public/app/plugins/datasource/loki/datasource.ts, the logs volume supplementary query
  // (X-Query-Tags: Source=logvolhist, set in pkg/tsdb/loki/api.go).
  test("Explore, logs volume: a matrix per level, [seconds, count as text] at each step", async () => {
    const body = await json(
      grafana(
        "query_range",
        {
          query: 'sum by (level, detected_level) (count_over_time({service_name="checkout"} | drop __error__[1m]))',
          direction: "backward",
          limit: "1000",
          start: START,
          end: END,
          step: "60000ms"
        },
        { "x-query-tags": "Source=logvolhist" }
      )
    )
    expect(body.data.resultType).toBe("matrix")
    const byLevel = Object.fromEntries(body.data.result.map((s: any) => [s.metric.level, s.values]))
    const t = (s: number) => at(s) / 1000
    expect(byLevel).toEqual({
      error: [
        [t(60), "1"],
        [t(120), "1"]
      ],
      info: [
        [t(60), "1"],
        [t(120), "1"]
      ],
      warn: [[t(60), "1"]]
    })
    for (const series of body.data.result) expect(Object.keys(series).sort()).toEqual(["metric", "values"])
  })

  // public/app/plugins/datasource/loki/LanguageProvider.ts: fetchLabelsByLabelsEndpoint,
  // fetchLabelValues (with and without a stream selector), fetchSeriesLabels.
  test("label browser: labels, label values and series as Loki lists them", async () => {
    expect(await json(grafana("labels", { start: START, end: END }))).toEqual({ status: "success", data: ["host", "level", "service_name"] })
    expect(await json(grafana("label/service_name/values", { start: START, end: END }))).toEqual({ status: "success", data: ["checkout", "search"] })
    expect(await json(grafana("label/level/values", { start: START, end: END, query: '{service_name="search"}' }))).toEqual({
      status: "success",
      data: ["debug", "error", "info"]
    })
    expect(await json(grafana("label/host/values", { start: START, end: END, query: '{service_name="checkout"}' }))).toEqual({
      status: "success",
      data: ["web-1", "web-2"]
    })
    const series = await json(grafana("series", { "match[]": '{service_name="checkout", level="error"}', start: START, end: END }))
    expect(series.status).toBe("success")
    expect(series.data.sort((a: any, b: any) => a.host.localeCompare(b.host))).toEqual([
      { service_name: "checkout", level: "error", host: "web-1" },
      { service_name: "checkout", level: "error", host: "web-2" }
    ])
  })

  // public/app/plugins/datasource/loki/datasource.ts getQueryStats: index/stats per selector.
  test("query stats: streams, chunks, entries and bytes of a selector", async () => {
    const stats = await json(grafana("index/stats", { query: '{service_name="checkout"}', start: START, end: END }))
    expect(Object.keys(stats).sort()).toEqual(["bytes", "chunks", "entries", "streams"])
    expect(stats.entries).toBe(5)
    expect(stats.streams).toBe(3)
    expect(stats.bytes).toBeGreaterThan(0)
    const byHost = await json(grafana("index/stats", { query: '{service_name="checkout", host="web-2"}', start: START, end: END }))
    expect(byHost.entries).toBe(2)
  })

  // Loki's index/volume (pkg/loghttp/query.go: query, start, end, limit, targetLabels,
  // aggregateBy), which Logs Drilldown reads for its service list.
  test("index/volume: bytes per service, a Prometheus vector", async () => {
    const body = await json(grafana("index/volume", { query: '{service_name=~".+"}', start: START, end: END, limit: "10" }))
    expect(body.status).toBe("success")
    expect(body.data.resultType).toBe("vector")
    expect(body.data.result.map((r: any) => r.metric)).toEqual([{ service_name: "checkout" }, { service_name: "search" }])
    for (const r of body.data.result) {
      expect(r.value[0]).toBe(at(300) / 1000)
      expect(Number(r.value[1])).toBeGreaterThan(0)
    }
  })

  // Logs Drilldown's src/services/datasource.ts getDetectedLabels: query (empty for all), start
  // and end as RFC 3339; Loki answers {detectedLabels:[{label, cardinality}]} (pkg/logproto,
  // DetectedLabelsResponse, written by pkg/util/marshal WriteDetectedLabelsResponseJSON).
  test("detected_labels: the stream labels with their number of values, as Drilldown reads them", async () => {
    const iso = { start: new Date(T0).toISOString(), end: new Date(at(300)).toISOString() }
    const all = await json(grafana("detected_labels", { ...iso, query: "" }))
    expect(all).toEqual({
      detectedLabels: [
        { label: "service_name", cardinality: 2 },
        { label: "level", cardinality: 4 },
        { label: "host", cardinality: 3 }
      ]
    })
    const one = await json(grafana("detected_labels", { ...iso, query: '{service_name="search"}' }))
    expect(one.detectedLabels).toEqual([
      { label: "service_name", cardinality: 1 },
      { label: "level", cardinality: 3 },
      { label: "host", cardinality: 1 }
    ])
    // Nothing in the range: Loki's struct leaves the empty list out.
    expect(await json(grafana("detected_labels", { start: ns(at(-600)), end: ns(at(-300)), query: "" }))).toEqual({})
  })

  // Drilldown's datasource.ts getDetectedFields and TagKeysProviders.ts (query, start, end,
  // limit 1000); Loki's pkg/querier/queryrange/detected_fields.go: structured metadata has
  // parsers null, parsed fields the parser that found them, and jsonPath for json.
  test("detected_fields: structured metadata and the fields json or logfmt parse out of the lines", async () => {
    const body = await json(grafana("detected_fields", { query: '{service_name="checkout"}', start: START, end: END, limit: "1000" }))
    expect(Object.keys(body).sort()).toEqual(["fields", "limit"])
    expect(body.limit).toBe(1000)
    const byName = Object.fromEntries(body.fields.map((f: any) => [f.label, f]))
    expect(byName.trace_id).toEqual({ label: "trace_id", type: "string", cardinality: 1, parsers: null })
    expect(byName.order_id).toEqual({ label: "order_id", type: "int", cardinality: 1, parsers: null })
    expect(byName.duration).toEqual({ label: "duration", type: "duration", cardinality: 2, parsers: ["logfmt"] })
    expect(byName.msg).toEqual({ label: "msg", type: "string", cardinality: 2, parsers: ["logfmt"] })
    expect(byName.latency).toEqual({ label: "latency", type: "float", cardinality: 1, parsers: ["json"], jsonPath: ["latency"] })
    expect(byName.status).toEqual({ label: "status", type: "int", cardinality: 1, parsers: ["json", "logfmt"], jsonPath: ["status"] })
    // Words of plain lines are not fields (Loki's logfmt parser drops keys without values).
    expect(byName.payment).toBeUndefined()
    // line_limit bounds the lines read: the newest one only.
    const newest = await json(grafana("detected_fields", { query: '{service_name="checkout"}', start: START, end: END, line_limit: "1" }))
    expect(newest.fields.map((f: any) => f.label)).toEqual(["latency", "path", "status"])
    expect((await grafana("detected_fields", { query: '{service_name="checkout"}', line_limit: "0" })).status).toBe(400)
    expect((await grafana("detected_fields", { query: 'count_over_time({service_name="checkout"}[1m])' })).status).toBe(400)
  })

  // The Loki data source's LanguageProvider fetchDetectedLabelValues: detected_field/{name}/values
  // with query, start, end, limit; Loki answers {values, limit}. Drilldown reads the levels
  // through it as detected_level.
  test("detected_field/{name}/values: a field's values, and the levels as detected_level", async () => {
    const status = await json(grafana("detected_field/status/values", { query: '{service_name=~".+"}', start: START, end: END, limit: "1000" }))
    expect(status).toEqual({ values: ["200", "503"], limit: 1000 })
    const levels = await json(grafana("detected_field/detected_level/values", { query: '{service_name="search"}', start: START, end: END }))
    expect(levels).toEqual({ values: ["debug", "error", "info"], limit: 1000 })
    expect(await json(grafana("detected_field/nothing/values", { query: '{service_name="search"}', start: START, end: END }))).toEqual({})
  })

  // Drilldown's datasource.ts getPatterns: query, start, end (RFC 3339), step; Loki's
  // pkg/util/marshal WriteQueryPatternsResponseJSON: {status, data:[{pattern, level, samples:[[seconds, count]]}]}.
  // Including a pattern makes Drilldown add `|> "<pattern>"` to its queries (renderPatternFilters.ts).
  test("patterns: LogFlow's learned patterns in Loki's form, and |> finds their lines", async () => {
    const params = { query: '{service_name="checkout"}', start: new Date(T0).toISOString(), end: new Date(at(300)).toISOString(), step: "60s" }
    const body = await eventually(
      async () => json(grafana("patterns", params)),
      (b) => b.data?.some((p: any) => p.pattern.includes("timeout")) ?? false
    )
    expect(body.status).toBe("success")
    for (const p of body.data) {
      expect(Object.keys(p).sort()).toEqual(["level", "pattern", "samples"])
      expect(p.pattern).not.toContain("<*>")
      for (const [t, n] of p.samples) {
        expect(Number.isInteger(t) && t >= T0 / 1000 && t <= at(300) / 1000 && t % 60 === 0).toBe(true)
        expect(n).toBeGreaterThan(0)
      }
    }
    const total = body.data.reduce((n: number, p: any) => n + p.samples.reduce((m: number, [, c]: [number, number]) => m + c, 0), 0)
    expect(total).toBe(RECORDS.filter((r) => r.service === "checkout").length)
    const timeout = body.data.find((p: any) => p.pattern.includes("timeout"))
    const lines = await json(
      grafana("query_range", { query: `{service_name="checkout"} |> ${JSON.stringify(timeout.pattern)}`, start: START, end: END, limit: "100" })
    )
    const found = lines.data.result.flatMap((s: any) => s.values.map((v: string[]) => v[1]))
    expect(found.length).toBeGreaterThan(0)
    for (const line of found) expect(line).toContain("timeout")
    const rest = await json(
      grafana("query_range", { query: `{service_name="checkout"} !> ${JSON.stringify(timeout.pattern)}`, start: START, end: END, limit: "100" })
    )
    expect(rest.data.result.flatMap((s: any) => s.values).length).toBe(RECORDS.filter((r) => r.service === "checkout").length - found.length)
  })

  test("status/buildinfo names a Loki 3 API version; ready answers ready", async () => {
    const info = await json(fetch(`${server().url}/loki/api/v1/status/buildinfo`))
    expect(Object.keys(info).sort()).toEqual(["branch", "buildDate", "buildUser", "goVersion", "revision", "version"])
    expect(info.version).toBe("3.0.0")
    const ready = await fetch(`${server().url}/loki/api/v1/ready`)
    expect([ready.status, await ready.text()]).toEqual([200, "ready\n"])
  })

  test("format_query prints the query in one canonical layout", async () => {
    expect(await json(grafana("format_query", { query: 'sum(rate({service_name="checkout"}|="timeout"[5m]))' }))).toEqual({
      status: "success",
      data: 'sum(rate({service_name="checkout"} |= "timeout" [5m]))'
    })
  })

  // pkg/tsdb/loki/api.go readLokiError: the body's text (or its JSON `message`) is the error shown.
  test("a query outside the subset answers 400, as text naming the unsupported part", async () => {
    const response = await grafana("query_range", { query: '{service_name="checkout"} | pattern "<_> <status>"', start: START, end: END })
    expect(response.status).toBe(400)
    expect(response.headers.get("content-type")).toStartWith("text/plain")
    expect(await response.text()).toContain("'| pattern' stage")
    const garbage = await grafana("query_range", { query: '{service_name="checkout"', start: START, end: END })
    expect(garbage.status).toBe(400)
    expect(await garbage.text()).toStartWith("parse error at line 1, col")
    const badTime = await grafana("query_range", { query: '{service_name="checkout"}', start: "yesterday" })
    expect([badTime.status, await badTime.text()]).toEqual([400, 'start: cannot parse "yesterday" to a valid timestamp (nanoseconds, seconds or RFC 3339)'])
  })

  test("Loki's time forms: seconds, fractional seconds and RFC 3339 mean the same range as nanoseconds", async () => {
    const count = async (start: string, end: string) =>
      (await json(grafana("query_range", { query: '{service_name="checkout"}', start, end }))).data.result.reduce((n: number, s: any) => n + s.values.length, 0)
    expect(await count(START, END)).toBe(5)
    expect(await count(String(T0 / 1000), String(at(300) / 1000))).toBe(5)
    expect(await count(`${T0 / 1000}.000`, `${at(300) / 1000}.5`)).toBe(5)
    expect(await count("2026-11-30T10:00:00Z", "2026-11-30T10:05:00Z")).toBe(5)
    expect(await count(START, ns(at(30)))).toBe(2)
  })

  // pkg/tsdb/loki/streaming.go: a WebSocket to /loki/api/v1/tail?query=… (Grafana's dialer
  // sends no credentials, so tail from Grafana needs REQUIRE_AUTH_FOR_READ=false; here a
  // header carries the key).
  test("live tail over WebSocket: the backfill, then each new matching line as Loki's tail message", async () => {
    const url = `${server().url.replace("http", "ws")}/loki/api/v1/tail?${new URLSearchParams({ query: '{service_name="tailed"} |= "hello"', start: START })}`
    const socket = new WebSocket(url, { headers: { "x-api-key": readKey } } as never)
    const messages: any[] = []
    socket.onmessage = (event) => messages.push(JSON.parse(String(event.data)))
    await new Promise((resolve, reject) => {
      socket.onopen = resolve
      socket.onerror = reject
    })
    const first = await eventually(
      async () => messages,
      (m) => m.length > 0
    )
    expect(first[0]).toEqual({ streams: [] })
    const body = ["hello from the tail", "not this one"].map((message) => JSON.stringify({ service: "tailed", level: "INFO", message })).join("\n")
    await fetch(`${server().url}/api/v1/logs`, { method: "POST", headers: { "content-type": "application/x-ndjson", "x-api-key": ingestKey }, body })
    const got = await eventually(
      async () => messages,
      (m) => m.length > 1
    )
    socket.close()
    expect(got[1].streams).toHaveLength(1)
    expect(got[1].streams[0].stream).toEqual({ level: "info", service_name: "tailed" })
    expect(got[1].streams[0].values.map((v: any) => v[1])).toEqual(["hello from the tail"])
    expect(got[1].streams[0].values[0][0]).toMatch(/^\d{19}$/)
  })
})

describe("what Loki refuses, LogFlow refuses alike", () => {
  test("a metric query cannot be tailed: the socket closes with 1008 and the reason", async () => {
    const url = `${server().url.replace("http", "ws")}/loki/api/v1/tail?${new URLSearchParams({ query: 'rate({service_name="x"}[1m])' })}`
    const socket = new WebSocket(url, { headers: { "x-api-key": readKey } } as never)
    const closed = await new Promise<{ code: number; reason: string }>((resolve) => {
      socket.onclose = (event) => resolve({ code: event.code, reason: event.reason })
    })
    expect(closed).toEqual({ code: 1008, reason: "tail queries must be log queries, not metric queries" })
  })

  test("a log query as an instant query, a zero step, and a limit over LOGQL_MAX_ENTRIES answer 400", async () => {
    const instant = await grafana("query", { query: '{service_name="checkout"}' })
    expect([instant.status, await instant.text()]).toEqual([
      400,
      "log queries are not supported as an instant query type, please change your query to a range query type"
    ])
    const zeroStep = await grafana("query_range", { query: 'rate({service_name="checkout"}[1m])', start: START, end: END, step: "0" })
    expect(zeroStep.status).toBe(400)
    expect(await zeroStep.text()).toContain("zero or negative query resolution step")
    const tooMany = await grafana("query_range", { query: '{service_name="checkout"}', start: START, end: END, limit: "5001" })
    expect([tooMany.status, await tooMany.text()]).toEqual([
      400,
      "limit: max entries limit per query exceeded, limit > max_entries_limit (5001 > 5000) (LOGQL_MAX_ENTRIES)"
    ])
  })

  test("forward returns the oldest lines first; interval keeps one line per stream per interval", async () => {
    const forward = await json(
      grafana("query_range", { query: '{service_name="checkout", host="web-1"}', direction: "forward", limit: "2", start: START, end: END })
    )
    const lines = forward.data.result.flatMap((s: any) => s.values).sort((a: any, b: any) => (BigInt(a[0]) < BigInt(b[0]) ? -1 : 1))
    expect(lines.map((v: any) => v[0])).toEqual([ns(at(5)), ns(at(20))])
    const thinned = await json(grafana("query_range", { query: '{service_name="checkout", level="error"}', start: START, end: END, interval: "2m" }))
    expect(thinned.data.result.flatMap((s: any) => s.values).length).toBe(2)
    const oneStream = await json(grafana("query_range", { query: '{service_name="checkout"} | keep service_name', start: START, end: END, interval: "1m" }))
    expect(oneStream.data.result.flatMap((s: any) => s.values.map((v: any) => v[0]))).toEqual([ns(at(90)), ns(at(20))])
  })
})

describe("the read API takes the credentials Grafana can send", () => {
  const reads = ["/loki/api/v1/labels", "/api/v1/logs/search?query=timeout"]
  const statusOf = (path: string, headers: Record<string, string>) => fetch(`${server().url}${path}`, { headers }).then((r) => r.status)

  test.each(reads)("%s: an API key with the read scope as Bearer, X-API-Key, Basic (either field) and ApiKey", async (path) => {
    const forms: Array<Record<string, string>> = [
      { authorization: `Bearer ${readKey}` },
      { "x-api-key": readKey },
      { authorization: basic() },
      { authorization: `Basic ${Buffer.from(`${readKey}:`).toString("base64")}` },
      { authorization: `ApiKey ${readKey}` },
      { authorization: `ApiKey ${Buffer.from(`grafana:${readKey}`).toString("base64")}` }
    ]
    for (const headers of forms) expect(await statusOf(path, headers)).toBe(200)
  })

  test.each(reads)("%s: none is 401, an ingest-only key 403, an account password in Basic 401", async (path) => {
    expect(await statusOf(path, {})).toBe(401)
    expect(await statusOf(path, { "x-api-key": ingestKey })).toBe(403)
    expect(await statusOf(path, { authorization: `Basic ${Buffer.from("admin:admin123").toString("base64")}` })).toBe(401)
  })
})

describe("the Loki API has its own rate limit (RATE_LIMIT_QUERY_API)", () => {
  test("past it Loki's routes answer 429 with Retry-After while the native search still answers", async () => {
    const limited = await startServer({ env: { RATE_LIMIT_QUERY_API: "3/minute" } })
    try {
      const statuses = []
      for (let i = 0; i < 4; i++) statuses.push((await fetch(`${limited.url}/loki/api/v1/labels`)).status)
      expect(statuses).toEqual([200, 200, 200, 429])
      const refused = await fetch(`${limited.url}/loki/api/v1/query?query=vector(1)`)
      expect(refused.status).toBe(429)
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0)
      expect((await fetch(`${limited.url}/api/v1/logs/search`)).status).toBe(200)
    } finally {
      await disposeServer(limited)
    }
  })
})
