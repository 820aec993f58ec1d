import { Clock, Effect } from "effect"
import { Cache, globMatcher } from "../../ports/cache.ts"

/**
 * In-process LRU with per-entry TTL: a Map kept in recency order (re-inserted on read), the
 * oldest evicted past `maxEntries`. Also the fallback while Redis is unreachable.
 */
export const makeMemoryCache = (maxEntries: number) => {
  const entries = new Map<string, { value: string; expiresAt: number }>()
  let hits = 0
  let misses = 0
  let bytes = 0
  const remove = (key: string) => {
    const entry = entries.get(key)
    if (entry) bytes -= entry.value.length * 2
    entries.delete(key)
  }

  return Cache.of({
    get: (key) =>
      Clock.currentTimeMillis.pipe(
        Effect.map((now) => {
          const entry = entries.get(key)
          if (!entry || entry.expiresAt <= now) {
            if (entry) remove(key)
            misses++
            return undefined
          }
          entries.delete(key)
          entries.set(key, entry)
          hits++
          return entry.value
        })
      ),
    set: (key, value, ttlSeconds) =>
      Clock.currentTimeMillis.pipe(
        Effect.map((now) => {
          remove(key)
          entries.set(key, { value, expiresAt: now + ttlSeconds * 1000 })
          bytes += value.length * 2
          while (entries.size > maxEntries) remove(entries.keys().next().value!)
        })
      ),
    clear: (pattern) =>
      Effect.sync(() => {
        const matches = globMatcher(pattern)
        let removed = 0
        for (const key of [...entries.keys()]) {
          if (matches(key)) {
            remove(key)
            removed++
          }
        }
        return removed
      }),
    stats: Effect.sync(() => ({
      backend: "memory",
      hits,
      misses,
      hit_rate: hits + misses === 0 ? 0 : hits / (hits + misses),
      keys: entries.size,
      memory_bytes: bytes
    }))
  })
}
