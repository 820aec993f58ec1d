import { Effect } from "effect"
import type { StoreReadError } from "../../domain/errors.ts"
import type { LogStore } from "../../ports/log-store.ts"
import type { Query } from "./ast.ts"
import type { QueryContext } from "./context.ts"
import { LogqlError, limitExceeded } from "./errors.ts"
import type { Labels } from "./labels.ts"
import { evaluateLogQuery, type Stream } from "./log-query.ts"
import { evaluateMetric } from "./metric-query.ts"
import { exceededRegexLimit } from "./regex-limits.ts"

/**
 * A parsed query run as `query_range` (over a grid of times) or as an instant `query` (at one
 * time): log queries answer streams, metric queries a matrix, a vector or a scalar.
 */

export type QueryResult =
  | { readonly kind: "streams"; readonly streams: ReadonlyArray<Stream> }
  | { readonly kind: "matrix"; readonly series: ReadonlyArray<{ readonly labels: Labels; readonly points: ReadonlyArray<readonly [number, number]> }> }
  | { readonly kind: "vector"; readonly time: number; readonly samples: ReadonlyArray<{ readonly labels: Labels; readonly value: number }> }
  | { readonly kind: "scalar"; readonly time: number; readonly value: number }

export interface RangeParams {
  /** Epoch ms: start inclusive, end exclusive for log lines (Loki's bounds), inclusive for evaluation times. */
  readonly start: number
  readonly end: number
  readonly stepMs: number
  readonly limit: number
  readonly direction: "backward" | "forward"
  /** Log queries: at most one line per stream per this many ms. */
  readonly intervalMs?: number
  readonly maxPoints: number
}

type Run = Effect.Effect<QueryResult, LogqlError | StoreReadError, LogStore>

/**
 * At most one line per stream per interval, as Loki's `interval` asks: walking each stream in
 * the query's direction (its lines are already in that order), a line is kept when it is at
 * least the interval away from the last one kept.
 */
const thin = (streams: ReadonlyArray<Stream>, intervalMs: number): Stream[] =>
  streams.map((stream) => {
    const kept: Stream["lines"][number][] = []
    for (const line of stream.lines) {
      const previous = kept.at(-1)
      if (!previous || Math.abs(line.record.timestamp - previous.record.timestamp) >= intervalMs) kept.push(line)
    }
    return { labels: stream.labels, lines: kept }
  })

export const runRangeQuery = (query: Query, params: RangeParams, context: QueryContext): Run =>
  Effect.gen(function* () {
    if (params.end < params.start) return yield* Effect.fail(new LogqlError({ message: "the end timestamp must not be before the start time" }))
    const regexLimit = exceededRegexLimit(query, context.limits)
    if (regexLimit) return yield* Effect.fail(regexLimit)
    if (query.kind === "log") {
      const to = Math.ceil(params.end) - 1
      const streams = yield* evaluateLogQuery(query, { from: Math.ceil(params.start), to, limit: params.limit, direction: params.direction }, context)
      return { kind: "streams", streams: params.intervalMs ? thin(streams, params.intervalMs) : streams }
    }
    if (params.stepMs <= 0)
      return yield* Effect.fail(new LogqlError({ message: "zero or negative query resolution step widths are not accepted. Try a positive integer" }))
    const steps = Math.floor((params.end - params.start) / params.stepMs) + 1
    if (steps > params.maxPoints)
      return yield* Effect.fail(
        limitExceeded(
          `exceeded maximum resolution of ${params.maxPoints} points per time series; try decreasing the query resolution (?step=XX)`,
          "LOGQL_MAX_POINTS"
        )
      )
    const times = Array.from({ length: steps }, (_, i) => Math.floor(params.start) + i * params.stepMs)
    const value = yield* evaluateMetric(query, times, context)
    if (value.kind === "scalar") return { kind: "matrix", series: [{ labels: {}, points: times.map((t) => [t, value.value] as const) }] }
    return {
      kind: "matrix",
      series: value.series.map((s) => ({
        labels: s.labels,
        points: times.flatMap((t, i) => (Number.isNaN(s.values[i]!) ? [] : [[t, s.values[i]!] as const]))
      }))
    }
  })

export const runInstantQuery = (query: Query, params: { readonly time: number }, context: QueryContext): Run =>
  Effect.gen(function* () {
    const regexLimit = exceededRegexLimit(query, context.limits)
    if (regexLimit) return yield* Effect.fail(regexLimit)
    if (query.kind === "log")
      return yield* Effect.fail(
        new LogqlError({ message: "log queries are not supported as an instant query type, please change your query to a range query type" })
      )
    const time = Math.floor(params.time)
    const value = yield* evaluateMetric(query, [time], context)
    if (value.kind === "scalar") return { kind: "scalar", time, value: value.value }
    return { kind: "vector", time, samples: value.series.filter((s) => !Number.isNaN(s.values[0]!)).map((s) => ({ labels: s.labels, value: s.values[0]! })) }
  })
