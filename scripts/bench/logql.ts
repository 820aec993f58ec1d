import { Effect, type ManagedRuntime } from "effect"
import { encodeQueryResponse } from "../../src/api/routes/loki/encode.ts"
import { logqlLimits } from "../../src/api/routes/loki/query.ts"
import type { Config } from "../../src/config.ts"
import { queryLimits, toSearchRequest } from "../../src/api/routes/logs.ts"
import { LogStore } from "../../src/ports/log-store.ts"
import { makeContext } from "../../src/query/logql/context.ts"
import { runRangeQuery } from "../../src/query/logql/evaluate.ts"
import { parseLogql } from "../../src/query/logql/parser.ts"
import { fmt, percentile } from "./stats.ts"

/**
 * The two LogQL figures of the search bench: what `/loki/api/v1/query_range` does for a
 * dashboard's panel, in process (parse, run over the store, encode Loki's JSON), over the last
 * 24 hours of the store:
 * - `sum by (level) (count_over_time({service="…"}[1m]))` with a one-minute step (1,441 points a
 *   series): target p99 ≤ 200 ms;
 * - `{service="…"} |= "timeout"`, limit 1000: target p99 ≤ 100 ms;
 * and, for comparison, the native search of the same meaning with the same page
 * (`GET /api/v1/logs/search?service=…&query=timeout&limit=1000`, its count included), so the
 * table shows what LogQL adds to the store's own search.
 */

const DAY_MS = 86_400_000

const CASES = (service: string) => [
  {
    name: "metric",
    query: `sum by (level) (count_over_time({service="${service}"}[1m]))`,
    stepMs: 60_000,
    limit: 100,
    targetMs: 200
  },
  { name: "log", query: `{service="${service}"} |= "timeout"`, stepMs: 60_000, limit: 1000, targetMs: 100 }
]

export const runLogqlBench = async (
  runtime: ManagedRuntime.ManagedRuntime<LogStore, never>,
  config: Config,
  options: { readonly now: number; readonly service: string; readonly runs: number; readonly budgetMs: number }
) => {
  const limits = logqlLimits(config)
  // The panel's range as Loki's frontend aligns it to the step.
  const end = Math.floor(options.now / 60_000) * 60_000
  const start = end - DAY_MS
  console.log(`LogQL query_range over the last 24 h (in process: parse, run, encode Loki's JSON), up to ${options.runs} runs each:`)
  console.log("  query                                                                  result        p50 (ms)   p99 (ms)   runs   target")
  const misses: string[] = []
  const native = {
    name: "native",
    query: `native search service=${options.service}&query=timeout&limit=1000`,
    targetMs: undefined as number | undefined
  }
  for (const c of [...CASES(options.service), native]) {
    const once = async () => {
      if (c === native) {
        const request = await runtime.runPromise(
          toSearchRequest({ service: options.service, query: "timeout", limit: 1000, from: String(start), to: String(end) }, options.now, queryLimits(config))
        )
        const page = await runtime.runPromise(Effect.flatMap(LogStore, (s) => s.search(request)))
        return { size: `${page.logs.length} lines`, bytes: JSON.stringify(page).length }
      }
      const q = c as ReturnType<typeof CASES>[number]
      const context = makeContext(limits)
      const started = performance.now()
      const result = await runtime.runPromise(
        runRangeQuery(parseLogql(q.query), { start, end, stepMs: q.stepMs, limit: q.limit, direction: "backward", maxPoints: config.LOGQL_MAX_POINTS }, context)
      )
      const body = JSON.stringify(encodeQueryResponse(result, context, performance.now() - started, false))
      const size =
        result.kind === "streams"
          ? `${result.streams.reduce((n, s) => n + s.lines.length, 0)} lines`
          : result.kind === "matrix"
            ? `${result.series.length} series`
            : result.kind
      return { size, bytes: body.length }
    }
    // Untimed warm-up: statements prepared, pages read from disk once.
    let last = await once()
    for (let i = 0; i < 3; i++) await once()
    const samples: number[] = []
    const deadline = performance.now() + options.budgetMs
    while (samples.length < options.runs && (samples.length < 10 || performance.now() < deadline)) {
      const started = performance.now()
      last = await once()
      samples.push(performance.now() - started)
    }
    samples.sort((a, b) => a - b)
    const p99 = percentile(samples, 99)
    if (c.targetMs !== undefined && p99 > c.targetMs) misses.push(`${c.query} (p99 ${fmt(p99, 1)} ms > ${c.targetMs} ms)`)
    console.log(
      `  ${c.query.padEnd(70)} ${last.size.padStart(12)} ${fmt(percentile(samples, 50), 2).padStart(12)} ${fmt(p99, 2).padStart(10)} ${String(samples.length).padStart(6)}   ${c.targetMs === undefined ? "(comparison)" : `≤ ${c.targetMs} ms`}`
    )
  }
  console.log(misses.length === 0 ? "both LogQL queries within their targets" : `over target: ${misses.join("; ")}`)
}
