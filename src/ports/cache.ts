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

/** Glob (`metrics:*`) to an anchored regular expression; every other character is literal. */
export const globToRegExp = (pattern: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replaceAll("*", ".*")
      .replaceAll("?", ".")}$`
  )
