import { Effect } from "effect"
import type { StoreReadError } from "../../domain/errors.ts"
import type { LogRecord } from "../../domain/log-record.ts"
import type { LogStore } from "../../ports/log-store.ts"
import type { LogQuery } from "./ast.ts"
import { type QueryContext, scan } from "./context.ts"
import type { LogqlError } from "./errors.ts"
import { type Labels, recordLabels, sortedLabels } from "./labels.ts"
import { compileSelector } from "./selector.ts"
import { compilePipeline, type Entry } from "./stages.ts"

/**
 * A log query over [from, to] (epoch ms, inclusive): the store finds the candidates newest first
 * (selector and plain line filters compiled into its search), LogFlow runs the rest of the
 * pipeline over them. `backward` stops at `limit` lines; `forward` (oldest first) reads the
 * whole range, within the scan budget, keeping the oldest `limit`.
 */

export interface LogLine {
  readonly record: LogRecord
  readonly line: string
  readonly labels: Labels
}

export interface Stream {
  readonly labels: Labels
  readonly lines: ReadonlyArray<LogLine>
}

export interface LogQueryRange {
  readonly from: number
  readonly to: number
  readonly limit: number
  readonly direction: "backward" | "forward"
}

/**
 * Runs the selector and the pipeline, calling `visit` with each line that passes, newest first,
 * until it returns false. `wanted`: the lines the caller will take at most; when the store does
 * all the filtering, the first page asks for just that many.
 */
export const runLogPipeline = (
  query: LogQuery,
  range: { readonly from: number; readonly to: number },
  context: QueryContext,
  visit: (line: LogLine) => boolean,
  wanted?: number
): Effect.Effect<void, LogqlError | StoreReadError, LogStore> =>
  Effect.gen(function* () {
    const compiled = compileSelector(query, yield* needsServices(query, context))
    if (compiled.matchesNothing || range.from > range.to) return
    const pipeline = compilePipeline(compiled.stages, context.limits, context.stats)
    const residual = compiled.residual
    const exact = !residual && compiled.stages.length === 0
    yield* scan(
      context,
      { ...compiled.request, from: range.from, to: range.to },
      (record) => {
        if (residual && !residual(record)) return true
        const entry: Entry = { record, line: record.message, labels: recordLabels(record) }
        if (!pipeline(entry)) return true
        return visit(entry)
      },
      exact && wanted !== undefined ? wanted : undefined
    )
  })

/** The store's services, read only when a selector has a regular expression or negation on the service. */
const needsServices = (query: LogQuery, context: QueryContext) =>
  query.matchers.some((m) => (m.name === "service" || m.name === "service_name") && m.op !== "=") ? context.knownServices : Effect.succeed([])

export const evaluateLogQuery = (
  query: LogQuery,
  range: LogQueryRange,
  context: QueryContext
): Effect.Effect<ReadonlyArray<Stream>, LogqlError | StoreReadError, LogStore> =>
  Effect.gen(function* () {
    // Forward keeps the last `limit` lines seen (the oldest) in a ring.
    const kept: LogLine[] = []
    let seen = 0
    yield* runLogPipeline(
      query,
      range,
      context,
      (line) => {
        kept[seen++ % range.limit] = line
        return range.direction === "forward" || seen < range.limit
      },
      range.direction === "backward" ? range.limit : undefined
    )
    const start = seen % range.limit
    const lines =
      range.direction === "forward" && seen > range.limit
        ? [...kept.slice(start), ...kept.slice(0, start)].reverse()
        : range.direction === "forward"
          ? kept.reverse()
          : kept
    const streams = new Map<string, { labels: Labels; lines: LogLine[] }>()
    for (const line of lines) {
      const labels = sortedLabels(line.labels)
      // The names are in order already: the object's JSON is as canonical as labelsKey, at a fraction of its cost.
      const key = JSON.stringify(labels)
      let stream = streams.get(key)
      if (!stream) streams.set(key, (stream = { labels, lines: [] }))
      stream.lines.push(line)
    }
    return [...streams.values()]
  })
