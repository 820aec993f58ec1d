import { Context, type Effect } from "effect"

export interface CacheStats {
  readonly backend: string
  readonly hits: number
  readonly misses: number
  readonly hit_rate: number
  readonly keys: number
  readonly memory_bytes: number
}

/**
 * A key-value cache with TTLs. Values are text (serialised JSON responses), so a hit is served
 * without parsing and re-serialising. Memory (LRU) and Redis adapters.
 */
export class Cache extends Context.Tag("Cache")<
  Cache,
  {
    readonly get: (key: string) => Effect.Effect<string | undefined>
    readonly set: (key: string, value: string, ttlSeconds: number) => Effect.Effect<void>
    /** Deletes the keys matching a glob pattern (`*` and `?`); returns how many. */
    readonly clear: (pattern: string) => Effect.Effect<number>
    readonly stats: Effect.Effect<CacheStats>
  }
>() {}

/** Whether `text` equals `pattern` at `at`, where `?` in the pattern stands for any one character. */
const segmentAt = (text: string, at: number, pattern: string) => {
  if (at + pattern.length > text.length) return false
  for (let i = 0; i < pattern.length; i++) if (pattern[i] !== "?" && pattern[i] !== text[at + i]) return false
  return true
}

/**
 * A glob (`metrics:*`, `*:service:?`) as a test over keys; every character but `*` and `?` is
 * literal. Between two stars the leftmost match of a segment is always the right one, so the
 * segments are found in one pass each, without backtracking: cost is at most key length ×
 * pattern length, whatever keys an attacker managed to plant (a regular expression of `.*`
 * runs in polynomial time of the number of stars).
 */
export const globMatcher = (pattern: string): ((key: string) => boolean) => {
  const segments = pattern.split("*")
  const first = segments[0]!
  const last = segments[segments.length - 1]!
  if (segments.length === 1) return (key) => key.length === first.length && segmentAt(key, 0, first)
  const middle = segments.slice(1, -1).filter((s) => s !== "")
  return (key) => {
    if (key.length < first.length + last.length || !segmentAt(key, 0, first) || !segmentAt(key, key.length - last.length, last)) return false
    let at = first.length
    const end = key.length - last.length
    for (const segment of middle) {
      while (at + segment.length <= end && !segmentAt(key, at, segment)) at++
      if (at + segment.length > end) return false
      at += segment.length
    }
    return true
  }
}
