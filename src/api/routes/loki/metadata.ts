import { Effect } from "effect"
import type { StoreReadError } from "../../../domain/errors.ts"
import type { LogRecord } from "../../../domain/log-record.ts"
import { LogStore } from "../../../ports/log-store.ts"
import type { LogQuery } from "../../../query/logql/ast.ts"
import { makeContext, type QueryLimits, scan } from "../../../query/logql/context.ts"
import type { LogqlError } from "../../../query/logql/errors.ts"
import { fieldOfLabel, type Labels, labelsKey, levelLabel, recordLabels } from "../../../query/logql/labels.ts"
import { runLogPipeline } from "../../../query/logql/log-query.ts"
import { compileSelector } from "../../../query/logql/selector.ts"

/**
 * `labels`, `label/{name}/values` and `series`. A LogFlow stream is a service, a level and a
 * host. Services and levels come from the store's counts over the range (every one, however
 * old in the range); hosts, series and the values of other labels from the newest
 * LOGQL_METADATA_SCAN_RECORDS matching records, so their cost is bounded.
 */

type Run<A> = Effect.Effect<A, LogqlError | StoreReadError, LogStore>

export interface MetadataRange {
  readonly from: number
  readonly to: number
}

const streamLabels = (record: LogRecord): Labels => ({
  service_name: record.service,
  level: levelLabel(record.level),
  ...(record.host === undefined ? {} : { host: record.host })
})

/** The selector's service and level filters, when they are all it has (the store's counts can answer it). */
const countable = (selector: LogQuery | undefined, services: ReadonlyArray<string>) => {
  if (!selector) return { filter: {}, matchesNothing: false }
  const compiled = compileSelector(selector, services)
  if (compiled.request.text !== undefined || compiled.residual) return undefined
  const { services: s, levels } = compiled.request
  return { filter: { ...(s ? { services: s } : {}), ...(levels ? { levels } : {}) }, matchesNothing: compiled.matchesNothing }
}

const knownServices = Effect.flatMap(LogStore, (store) => store.allTime()).pipe(Effect.map((counts) => [...new Set(counts.map((c) => c.service))]))

/** Service × level counts of the range, or undefined when the selector needs more than the counts. */
const rangeCounts = (selector: LogQuery | undefined, range: MetadataRange) =>
  Effect.gen(function* () {
    const c = countable(selector, yield* knownServices)
    if (!c) return undefined
    if (c.matchesNothing) return []
    return yield* Effect.flatMap(LogStore, (store) => store.counts({ from: range.from, to: range.to, ...c.filter }))
  })

/** Visits the newest matching records, at most `limits.maxScanRecords`. */
const sample = (selector: LogQuery | undefined, range: MetadataRange, limits: QueryLimits, visit: (record: LogRecord, labels: Labels) => void): Run<void> => {
  const context = makeContext(limits)
  let seen = 0
  const each = (record: LogRecord, labels: Labels) => {
    visit(record, labels)
    return ++seen < limits.maxScanRecords
  }
  return selector
    ? runLogPipeline(selector, range, context, (line) => each(line.record, line.labels))
    : scan(context, { from: range.from, to: range.to }, (record) => each(record, recordLabels(record)))
}

export const labelNames = (selector: LogQuery | undefined, range: MetadataRange, limits: QueryLimits): Run<string[]> =>
  Effect.gen(function* () {
    const names = new Set<string>()
    const counts = yield* rangeCounts(selector, range)
    if (counts && counts.length > 0) names.add("service_name").add("level")
    let hostSeen = false
    yield* sample(selector, range, limits, (record) => {
      names.add("service_name").add("level")
      if (record.host !== undefined) hostSeen = true
    })
    if (hostSeen) names.add("host")
    return [...names].sort()
  })

export const labelValues = (name: string, selector: LogQuery | undefined, range: MetadataRange, limits: QueryLimits): Run<string[]> =>
  Effect.gen(function* () {
    const field = fieldOfLabel(name)
    if (field === "service" || field === "level") {
      const counts = yield* rangeCounts(selector, range)
      if (counts) return [...new Set(counts.map((c) => (field === "service" ? c.service : levelLabel(c.level))))].sort()
    }
    const values = new Set<string>()
    yield* sample(selector, range, limits, (record, labels) => {
      const value = field === "service" ? record.service : field === "level" ? levelLabel(record.level) : labels[name]
      if (value !== undefined && value !== "") values.add(value)
    })
    return [...values].sort()
  })

/** The distinct streams (service, level, host) of each selector, one list for all. */
export const series = (selectors: ReadonlyArray<LogQuery>, range: MetadataRange, limits: QueryLimits): Run<Labels[]> =>
  Effect.gen(function* () {
    const found = new Map<string, Labels>()
    for (const selector of selectors)
      yield* sample(selector, range, limits, (record) => {
        const labels = streamLabels(record)
        const key = labelsKey(labels)
        if (!found.has(key)) found.set(key, labels)
      })
    return [...found.values()]
  })
