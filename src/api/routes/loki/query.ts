import { regexLimits } from "../../../query/logql/regex-limits.ts"
import { Effect } from "effect"
import type { Config } from "../../../config.ts"
import type { LogStore } from "../../../ports/log-store.ts"
import { makeContext, type QueryLimits } from "../../../query/logql/context.ts"
import { runInstantQuery, runRangeQuery } from "../../../query/logql/evaluate.ts"
import { formatQuery } from "../../../query/logql/format.ts"
import { parseLogql } from "../../../query/logql/parser.ts"
import type { RunEffect } from "../../run-effect.ts"
import { CATEGORIZE_LABELS, encodeQueryResponse } from "./encode.ts"
import { lokiDirection, lokiDuration, lokiLimit, lokiRange, lokiStep, lokiTime, type Query, requiredQuery } from "./params.ts"

/**
 * `query_range`, `query` and `format_query`: the parameters read as Loki reads them, the query
 * parsed into LogFlow's one LogQL AST and run within the LOGQL_* bounds, the answer in Loki's
 * JSON with its statistics.
 */

export const logqlLimits = (config: Config): QueryLimits => ({
  maxScanRecords: config.LOGQL_MAX_SCAN_RECORDS,
  timeoutMs: config.LOGQL_QUERY_TIMEOUT_MS,
  maxSeries: config.LOGQL_MAX_SERIES,
  regexMaxBytes: config.LOGQL_REGEX_MAX_LINE_BYTES,
  lineMaxBytes: config.LOGQL_LINE_FORMAT_MAX_BYTES,
  ...regexLimits(config)
})

const categorized = (headers: Record<string, string | undefined>) =>
  (headers["x-loki-response-encoding-flags"] ?? "")
    .split(",")
    .map((f) => f.trim())
    .includes(CATEGORIZE_LABELS)

export const makeQueryHandlers = (run: RunEffect<LogStore>, config: Config) => {
  const limits = logqlLimits(config)

  const queryRange = (query: Query, headers: Record<string, string | undefined>) => {
    const parsed = parseLogql(requiredQuery(query))
    const range = lokiRange(query, Date.now())
    const stepMs = lokiStep(query, range.start, range.end)
    // Loki's query frontend aligns a metric query's start and end to its step, so the points of
    // one dashboard panel fall on the same times from one refresh to the next.
    const align = (t: number) => (parsed.kind === "log" || stepMs <= 0 ? t : Math.floor(t / stepMs) * stepMs)
    const [start, end] = [align(range.start), align(range.end)]
    const params = {
      start,
      end,
      stepMs,
      limit: lokiLimit(query, config.LOGQL_MAX_ENTRIES),
      direction: lokiDirection(query),
      maxPoints: config.LOGQL_MAX_POINTS,
      ...(query.interval ? { intervalMs: lokiDuration("interval", query.interval)! } : {})
    }
    const context = makeContext(limits)
    const started = performance.now()
    return run(
      runRangeQuery(parsed, params, context).pipe(
        Effect.map((result) => encodeQueryResponse(result, context, performance.now() - started, categorized(headers)))
      )
    )
  }

  const instant = (query: Query, headers: Record<string, string | undefined>) => {
    const parsed = parseLogql(requiredQuery(query))
    const time = lokiTime("time", query.time) ?? Date.now()
    lokiLimit(query, config.LOGQL_MAX_ENTRIES)
    lokiDirection(query)
    const context = makeContext(limits)
    const started = performance.now()
    return run(
      runInstantQuery(parsed, { time }, context).pipe(
        Effect.map((result) => encodeQueryResponse(result, context, performance.now() - started, categorized(headers)))
      )
    )
  }

  const format = (query: Query) => ({ status: "success", data: formatQuery(parseLogql(requiredQuery(query))) })

  return { queryRange, instant, format }
}
