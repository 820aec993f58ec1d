import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { SqliteStoreLive } from "../../src/adapters/log-store/sqlite/store.ts"
import type { LogRecord } from "../../src/domain/log-record.ts"
import { LogStore } from "../../src/ports/log-store.ts"
import { makeContext } from "../../src/query/logql/context.ts"
import { type QueryResult, runInstantQuery, runRangeQuery } from "../../src/query/logql/evaluate.ts"
import { labelsText } from "../../src/query/logql/labels.ts"
import { parseLogql } from "../../src/query/logql/parser.ts"
import { makeRecord } from "../support/records.ts"

/**
 * LogQL as Grafana users write it, over fixed records in a real SQLite store: each query of the
 * table with what it must answer (lines newest first, or series as `{labels}` → values).
 */

const T0 = Date.parse("2026-11-30T10:00:00Z")
const at = (seconds: number) => T0 + seconds * 1000

const RECORDS: LogRecord[] = [
  makeRecord({
    timestamp: at(5),
    service: "checkout",
    level: "ERROR",
    message: "payment timeout for order 42",
    host: "web-1",
    trace_id: "trace-1",
    attributes: { order_id: "42" }
  }),
  makeRecord({ timestamp: at(20), service: "checkout", level: "INFO", message: 'level=info msg="order placed" duration=12ms status=200', host: "web-1" }),
  makeRecord({ timestamp: at(40), service: "checkout", level: "WARN", message: 'level=warn msg="slow payment" duration=1500ms status=200', host: "web-2" }),
  makeRecord({ timestamp: at(70), service: "checkout", level: "ERROR", message: "gateway timeout after 30s", host: "web-2" }),
  makeRecord({ timestamp: at(90), service: "checkout", level: "INFO", message: '{"status":200,"path":"/cart","latency":0.12}', host: "web-1" }),
  makeRecord({ timestamp: at(10), service: "search", level: "INFO", message: "query served in 5ms", host: "web-3" }),
  makeRecord({ timestamp: at(120), service: "search", level: "DEBUG", message: '{"status":503,"path":"/q","latency":2.5}', host: "web-3" }),
  makeRecord({ timestamp: at(150), service: "search", level: "ERROR", message: "index shard timeout", host: "web-3" })
]

const dir = mkdtempSync(join(tmpdir(), "logflow-logql-"))
const scope = Effect.runSync(Scope.make())
let store: LogStore["Type"]
beforeAll(async () => {
  const context = await Effect.runPromise(
    Layer.buildWithScope(SqliteStoreLive({ path: join(dir, "store.db"), synchronous: "NORMAL", countCap: 10_000 }), scope)
  )
  store = Context.get(context, LogStore)
  await Effect.runPromise(store.index(RECORDS))
})
afterAll(async () => {
  await Effect.runPromise(Scope.close(scope, Exit.void))
  rmSync(dir, { recursive: true, force: true })
})

const limits = { maxScanRecords: 10_000, timeoutMs: 10_000, maxSeries: 1000, regexMaxBytes: 65_536, lineMaxBytes: 65_536, maxRegex: 16, maxRegexLength: 512 }

const run = (effect: Effect.Effect<QueryResult, unknown, LogStore>) => Effect.runPromise(effect.pipe(Effect.provideService(LogStore, store)))

/** Lines of a log query over the five minutes, newest first. */
const lines = async (query: string) => {
  const result = await run(
    runRangeQuery(parseLogql(query), { start: T0, end: at(300), stepMs: 1000, limit: 100, direction: "backward", maxPoints: 11_000 }, makeContext(limits))
  )
  if (result.kind !== "streams") throw new Error(`not a log query: ${query}`)
  return result.streams
    .flatMap((s) => s.lines)
    .sort((a, b) => b.record.timestamp - a.record.timestamp)
    .map((l) => l.line)
}

/** A metric query at one time (10:05), as `{labels}` → value. */
const instant = async (query: string) => {
  const result = await run(runInstantQuery(parseLogql(query), { time: at(300) }, makeContext(limits)))
  if (result.kind === "scalar") return { scalar: result.value }
  if (result.kind !== "vector") throw new Error(`not a vector: ${query}`)
  return Object.fromEntries(result.samples.map((s) => [labelsText(s.labels), s.value]))
}

/** A metric query from 10:00 to 10:05 each minute, as `{labels}` → [[seconds after 10:00, value]]. */
const range = async (query: string) => {
  const result = await run(
    runRangeQuery(parseLogql(query), { start: T0, end: at(300), stepMs: 60_000, limit: 100, direction: "backward", maxPoints: 11_000 }, makeContext(limits))
  )
  if (result.kind !== "matrix") throw new Error(`not a matrix: ${query}`)
  return Object.fromEntries(result.series.map((s) => [labelsText(s.labels), s.points.map(([t, v]) => [(t - T0) / 1000, v])]))
}

describe("LogQL log queries over fixed records", () => {
  const table: Array<[string, string[]]> = [
    ['{service="checkout"} |= "timeout"', ["gateway timeout after 30s", "payment timeout for order 42"]],
    ['{service_name="checkout"} |~ "time(out)?\\\\s+(for|after)"', ["gateway timeout after 30s", "payment timeout for order 42"]],
    ['{service="checkout"} !~ "timeout|placed" != "cart"', ['level=warn msg="slow payment" duration=1500ms status=200']],
    [
      '{service="checkout"} |= "timeout" or "slow"',
      ["gateway timeout after 30s", 'level=warn msg="slow payment" duration=1500ms status=200', "payment timeout for order 42"]
    ],
    ['{level="error"}', ["index shard timeout", "gateway timeout after 30s", "payment timeout for order 42"]],
    ['{detected_level=~"debug|warn"}', ['{"status":503,"path":"/q","latency":2.5}', 'level=warn msg="slow payment" duration=1500ms status=200']],
    ['{service="checkout", host!="web-1"}', ["gateway timeout after 30s", 'level=warn msg="slow payment" duration=1500ms status=200']],
    ['{service="checkout", host=~"web-[2-9]"} |= "payment"', ['level=warn msg="slow payment" duration=1500ms status=200']],
    ['{service="checkout", order_id="42"}', ["payment timeout for order 42"]],
    ['{service="checkout"} | logfmt | duration > 1s', ['level=warn msg="slow payment" duration=1500ms status=200']],
    [
      '{service="checkout"} | logfmt | msg=~"slow.*" or msg="order placed"',
      ['level=warn msg="slow payment" duration=1500ms status=200', 'level=info msg="order placed" duration=12ms status=200']
    ],
    ['{service=~"checkout|search"} | json | __error__="" | status >= 500', ['{"status":503,"path":"/q","latency":2.5}']],
    // A line the parser failed on passes numeric filters, marked, as in Loki.
    ['{service="search"} | json | status >= 500', ["index shard timeout", '{"status":503,"path":"/q","latency":2.5}', "query served in 5ms"]],
    ['{service="search"} | json | status >= 500 | __error__!=""', ["index shard timeout", "query served in 5ms"]],
    ['{service=~".+"} | json | __error__="" | latency < 1', ['{"status":200,"path":"/cart","latency":0.12}']],
    ['{service="checkout"} | json | __error__="" | line_format "{{.path}} took {{.latency}}s"', ["/cart took 0.12s"]],
    ['{service="search"} | json p="path" | p != "" | line_format "{{.p | upper}}"', ["/Q"]],
    [
      '{service="checkout", level="error"} | label_format svc="{{.service_name}}-x" | line_format "{{.svc}} on {{.host}}"',
      ["checkout-x on web-2", "checkout-x on web-1"]
    ],
    ['{service="checkout", level="warn"} | logfmt | keep msg | line_format "[{{.msg}}][{{.host}}]"', ["[slow payment][]"]],
    ['{service="checkout", level="warn"} | logfmt | drop msg, duration | line_format "[{{.msg}}][{{.status}}]"', ["[][200]"]],
    ['{service="checkout"} | logfmt | status == 200 and duration < 100ms', ['level=info msg="order placed" duration=12ms status=200']],
    ['{service="nothing"}', []]
  ]
  test.each(table)("%s", async (query, expected) => {
    expect(await lines(query)).toEqual(expected)
  })
})

describe("LogQL metric queries over fixed records", () => {
  const searchBytes = RECORDS.filter((r) => r.service === "search").reduce((n, r) => n + Buffer.byteLength(r.message), 0)
  const instants: Array<[string, Record<string, number>]> = [
    ['sum(count_over_time({service="checkout"}[5m]))', { "{}": 5 }],
    ['sum by (level) (count_over_time({service="checkout"}[5m])) > 1', { '{level="error"}': 2, '{level="info"}': 2 }],
    ['sum(count_over_time({service="checkout"}[5m])) * 2', { "{}": 10 }],
    ['sum(rate({service="checkout"}[5m]))', { "{}": 5 / 300 }],
    ['sum(bytes_over_time({service="search"}[5m]))', { "{}": searchBytes }],
    ['sum by (service_name) (count_over_time({service_name=~".+"} |= "timeout" [5m]))', { '{service_name="checkout"}': 2, '{service_name="search"}': 1 }],
    ['count(sum by (host) (count_over_time({service_name=~".+"}[5m])))', { "{}": 3 }],
    ['topk(1, sum by (service_name) (count_over_time({service_name=~".+"}[5m])))', { '{service_name="checkout"}': 5 }],
    ['bottomk(1, sum by (service_name) (count_over_time({service_name=~".+"}[5m])))', { '{service_name="search"}': 3 }],
    [
      'avg_over_time({service_name=~".+"} | json | __error__="" | unwrap latency [5m]) by (service_name)',
      { '{service_name="checkout"}': 0.12, '{service_name="search"}': 2.5 }
    ],
    [
      'max by (service_name) (max_over_time({service_name=~".+"} | json | __error__="" | unwrap status [5m]))',
      { '{service_name="checkout"}': 200, '{service_name="search"}': 503 }
    ],
    [
      'sum_over_time({service="checkout"} | logfmt | duration != "" | unwrap duration(duration) [5m]) by (service_name)',
      { '{service_name="checkout"}': 1.512 }
    ],
    [
      'quantile_over_time(0.5, {service="checkout"} | logfmt | duration != "" | unwrap duration(duration) [5m]) by (service_name)',
      { '{service_name="checkout"}': 0.756 }
    ],
    ['sum without (host, trace_id, order_id) (count_over_time({service="checkout", level="error"}[5m]))', { '{level="error", service_name="checkout"}': 2 }]
  ]
  test.each(instants)("%s", async (query, expected) => {
    const got = await instant(query)
    expect(Object.keys(got).sort()).toEqual(Object.keys(expected).sort())
    for (const [labels, value] of Object.entries(expected)) expect(got[labels]).toBeCloseTo(value, 9)
  })

  test("sum by (level) (count_over_time(…[1m])) each minute: the counts per level and minute", async () => {
    expect(await range('sum by (level) (count_over_time({service="checkout"}[1m]))')).toEqual({
      '{level="error"}': [
        [60, 1],
        [120, 1]
      ],
      '{level="info"}': [
        [60, 1],
        [120, 1]
      ],
      '{level="warn"}': [[60, 1]]
    })
  })

  test("the same with a line filter and with a pipeline stage the store cannot count", async () => {
    expect(await range('sum by (level) (count_over_time({service="checkout"} |= "timeout" [1m]))')).toEqual({
      '{level="error"}': [
        [60, 1],
        [120, 1]
      ]
    })
    expect(await range('sum by (level) (count_over_time({service="checkout"} |~ "time.ut" [1m]))')).toEqual({
      '{level="error"}': [
        [60, 1],
        [120, 1]
      ]
    })
  })

  test("a scalar and vector(): the health check's vector(1)+vector(1)", async () => {
    expect(await instant("vector(1)+vector(1)")).toEqual({ "{}": 2 })
    expect(await instant("1 + 2 * 3")).toEqual({ scalar: 7 })
  })
})
