import { Effect } from "effect"
import { LEVELS, type Level } from "../../domain/log-record.ts"
import type { SearchRequest } from "../../domain/search-request.ts"
import { LogStore } from "../../ports/log-store.ts"

/**
 * A search's histogram split by level (`by=level`), for the console's stacked chart: one store
 * histogram per level the search allows (at most six), so every store answers it with the
 * histogram it already has, and the counts stay exact.
 */

export type LevelCounts = Partial<Record<Level, number>>

/** Per bucket start (epoch ms), the matches of each level present. */
export const histogramByLevel = (request: Omit<SearchRequest, "limit" | "cursor">, bucketMs: number) =>
  Effect.gen(function* () {
    const store = yield* LogStore
    const levels: ReadonlyArray<Level> = request.levels?.length ? LEVELS.filter((l) => request.levels!.includes(l)) : LEVELS
    const perLevel = yield* Effect.forEach(
      levels,
      (level) => Effect.map(store.histogram({ ...request, levels: [level] }, bucketMs), (counts) => ({ level, counts })),
      // Bounded: a remote store answers them side by side without one console search taking every connection.
      { concurrency: 3 }
    )
    const byBucket = new Map<number, LevelCounts>()
    for (const { level, counts } of perLevel) {
      for (const { bucket, count } of counts) {
        const entry = byBucket.get(bucket) ?? {}
        entry[level] = count
        byBucket.set(bucket, entry)
      }
    }
    return { levels, byBucket }
  })
