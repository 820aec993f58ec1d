import { Effect } from "effect"
import { type Level, LEVELS } from "../domain/log-record.ts"
import { patternSearch } from "../domain/pattern-search.ts"
import { fold, words } from "../domain/words.ts"
import { PatternStore } from "../ports/pattern-store.ts"
import { countIn, matchesWords, merged, seriesByEntry } from "./merged.ts"

/**
 * The templates with records in a range, most frequent first: each with its count there, its
 * level mix, one sample record, a series per interval and the native search that finds its
 * records. What `GET /api/v1/logs/patterns` answers.
 */

export interface PatternListRequest {
  readonly service?: string
  /** Only records of these levels count (none: all). */
  readonly levels: ReadonlyArray<Level>
  readonly from: number
  readonly to: number
  /** Words every listed template must contain. */
  readonly query?: string
  readonly limit: number
  /** At most this many templates of each service. */
  readonly perService?: number
}

const MINUTE = 60_000
const INTERVALS = [MINUTE, 5 * MINUTE, 15 * MINUTE, 3_600_000, 86_400_000]
/** The smallest interval giving at most about 60 points over the range. */
export const seriesInterval = (rangeMs: number) => INTERVALS.find((ms) => rangeMs / ms <= 60) ?? INTERVALS.at(-1)!

const iso = (ms: number) => new Date(ms).toISOString()

/** The first `perService` of each service, in the order given (all when not set). */
const topOfEachService = <T extends { readonly pattern: { readonly service: string } }>(sorted: ReadonlyArray<T>, perService?: number) => {
  if (perService === undefined) return sorted
  const taken = new Map<string, number>()
  return sorted.filter(({ pattern }) => {
    const n = taken.get(pattern.service) ?? 0
    taken.set(pattern.service, n + 1)
    return n < perService
  })
}

export const listPatterns = (request: PatternListRequest) =>
  Effect.gen(function* () {
    const store = yield* PatternStore
    // Minutes that start within the range (a record's minute is the start of its minute).
    const range = { from: Math.floor(request.from / MINUTE) * MINUTE, to: request.to }
    const all = yield* store.totals({ ...(request.service !== undefined ? { service: request.service } : {}), ...range })
    const wanted = words(fold(request.query ?? ""))
    const matching = merged(all)
      .map(({ pattern, ids }) => ({ pattern, ids, count: countIn(pattern, request.levels) }))
      .filter(({ pattern, count }) => count > 0 && matchesWords(pattern.template, wanted))
      .sort((a, b) => b.count - a.count || a.pattern.id.localeCompare(b.pattern.id))
    const top = topOfEachService(matching, request.perService).slice(0, request.limit)
    const interval = seriesInterval(range.to - range.from)
    const byPattern = seriesByEntry(
      top,
      yield* store.series(
        top.flatMap(({ ids }) => ids),
        range,
        interval
      )
    )
    const templatesOf = new Map<string, string[]>()
    for (const p of all) templatesOf.set(p.service, [...(templatesOf.get(p.service) ?? []), p.template])
    const first = Math.floor(range.from / interval) * interval
    return {
      from: iso(request.from),
      to: iso(request.to),
      interval_ms: interval,
      total: matching.length,
      patterns: top.map(({ pattern, count }) => {
        const series = byPattern.get(pattern.id)
        const points = []
        for (let t = first; t <= range.to; t += interval) points.push({ timestamp: iso(t), count: series?.get(t) ?? 0 })
        return {
          id: pattern.id,
          service: pattern.service,
          template: pattern.template,
          count,
          first_seen: iso(pattern.firstSeen),
          last_seen: iso(pattern.lastSeen),
          levels: Object.fromEntries(LEVELS.map((level) => [level, pattern.levels[level]])),
          sample_id: pattern.sampleId,
          search: patternSearch(pattern.service, pattern.template, templatesOf.get(pattern.service) ?? []),
          series: points
        }
      })
    }
  }).pipe(Effect.withSpan("Patterns.list"))
