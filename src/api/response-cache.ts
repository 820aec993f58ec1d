import { Effect } from "effect"
import { Cache } from "../ports/cache.ts"
import type { RunEffect } from "./run-effect.ts"

/**
 * Transparent caching of a route's JSON: `X-Cache: HIT|MISS`, and one computation per key at a
 * time in this process (concurrent misses wait for the same result instead of stampeding).
 */
export const makeResponseCache = (run: RunEffect<Cache>, enabled: boolean) => {
  const inFlight = new Map<string, Promise<unknown>>()
  return async <A>(key: string, ttlSeconds: number, headers: Record<string, unknown>, compute: () => Promise<A>): Promise<A> => {
    if (enabled) {
      const hit = await run(Effect.flatMap(Cache, (cache) => cache.get(key)))
      if (hit !== undefined) {
        headers["x-cache"] = "HIT"
        return hit as A
      }
    }
    headers["x-cache"] = "MISS"
    let pending = inFlight.get(key) as Promise<A> | undefined
    if (!pending) {
      pending = compute().then(async (value) => {
        if (enabled) await run(Effect.flatMap(Cache, (cache) => cache.set(key, value, ttlSeconds)))
        return value
      }).finally(() => inFlight.delete(key))
      inFlight.set(key, pending)
    }
    return pending
  }
}
