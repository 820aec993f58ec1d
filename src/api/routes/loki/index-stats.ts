import { Effect } from "effect"
import type { StoreReadError } from "../../../domain/errors.ts"
import { LogStore } from "../../../ports/log-store.ts"
import type { LogQuery } from "../../../query/logql/ast.ts"
import { unsupported, type LogqlError } from "../../../query/logql/errors.ts"
import { fieldOfLabel, levelLabel } from "../../../query/logql/labels.ts"
import { compileSelector } from "../../../query/logql/selector.ts"
import type { MetadataRange } from "./metadata.ts"

/**
 * `index/stats` (what a query would read: Grafana shows it before running one) and
 * `index/volume` (bytes per service or level, for Logs Drilldown). Both read the store's
 * counts per service and level, so they cost the same whatever the range. Stats of a selector
 * on other labels count its matches with one store histogram and estimate their bytes from the
 * services' average record size; volume groups by service and level only.
 */

type Run<A> = Effect.Effect<A, LogqlError | StoreReadError, LogStore>

const compiled = (selector: LogQuery) =>
  Effect.gen(function* () {
    const store = yield* LogStore
    const services = [...new Set((yield* store.allTime()).map((c) => c.service))]
    return compileSelector(selector, services)
  })

export interface IndexStats {
  readonly streams: number
  readonly chunks: number
  readonly entries: number
  readonly bytes: number
}

const sumStats = (all: ReadonlyArray<IndexStats>): IndexStats => ({
  streams: all.reduce((n, s) => n + s.streams, 0),
  chunks: all.reduce((n, s) => n + s.chunks, 0),
  entries: all.reduce((n, s) => n + s.entries, 0),
  bytes: all.reduce((n, s) => n + s.bytes, 0)
})

const statsOne = (selector: LogQuery, range: MetadataRange): Run<IndexStats> =>
  Effect.gen(function* () {
    const store = yield* LogStore
    const { request, matchesNothing, residual } = yield* compiled(selector)
    if (matchesNothing) return { streams: 0, chunks: 0, entries: 0, bytes: 0 }
    const filter = {
      from: range.from,
      to: range.to,
      ...(request.services ? { services: request.services } : {}),
      ...(request.levels ? { levels: request.levels } : {})
    }
    const counts = yield* store.counts(filter)
    const entries = counts.reduce((n, c) => n + c.count, 0)
    const bytes = counts.reduce((n, c) => n + c.bytes, 0)
    if (request.text === undefined && !residual) return { streams: counts.length, chunks: counts.length, entries, bytes }
    // Other labels: the matches counted in one bucket; a regular expression on them is not
    // counted (it runs over records), so the count is of the store-side conditions.
    const buckets = yield* store.histogram({ ...request, from: range.from, to: range.to }, Math.max(range.to - range.from + 1, 1))
    const matched = buckets.reduce((n, b) => n + b.count, 0)
    const average = entries > 0 ? bytes / entries : 0
    return { streams: matched > 0 ? counts.length : 0, chunks: matched > 0 ? counts.length : 0, entries: matched, bytes: Math.round(matched * average) }
  })

export const indexStats = (selectors: ReadonlyArray<LogQuery>, range: MetadataRange): Run<IndexStats> =>
  Effect.map(
    Effect.forEach(selectors, (s) => statsOne(s, range)),
    sumStats
  )

export interface VolumeParams {
  readonly limit: number
  readonly targetLabels: ReadonlyArray<string>
  readonly aggregateBy: "series" | "labels"
}

const VOLUME_LABELS = ["service_name", "service", "level", "detected_level"]

/** Bytes per group over the range, largest first, at most `limit` groups. */
export const indexVolume = (selector: LogQuery, range: MetadataRange, params: VolumeParams): Run<Array<{ labels: Record<string, string>; bytes: number }>> =>
  Effect.gen(function* () {
    const other = [...selector.matchers.map((m) => m.name), ...params.targetLabels].find((n) => !VOLUME_LABELS.includes(n))
    if (other !== undefined) return yield* Effect.fail(unsupported(`index/volume by or on the label '${other}' (only service_name and level)`))
    const { request, matchesNothing } = yield* compiled(selector)
    if (matchesNothing) return []
    const store = yield* LogStore
    const counts = yield* store.counts({
      from: range.from,
      to: range.to,
      ...(request.services ? { services: request.services } : {}),
      ...(request.levels ? { levels: request.levels } : {})
    })
    // Loki groups by the target labels, else by the selector's own label names.
    const names = params.targetLabels.length > 0 ? params.targetLabels : [...new Set(selector.matchers.map((m) => m.name))]
    const groups = new Map<string, { labels: Record<string, string>; bytes: number }>()
    for (const c of counts) {
      const labels: Record<string, string> = {}
      for (const name of names) labels[name] = fieldOfLabel(name) === "service" ? c.service : levelLabel(c.level)
      const key = JSON.stringify(Object.entries(labels).sort())
      const group = groups.get(key) ?? { labels, bytes: 0 }
      group.bytes += c.bytes
      groups.set(key, group)
    }
    return [...groups.values()].sort((a, b) => b.bytes - a.bytes).slice(0, params.limit)
  })
