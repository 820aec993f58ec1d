import { Effect } from "effect"
import { Cache } from "../ports/cache.ts"
import type { RunEffect } from "./run-effect.ts"

/**
 * Transparent caching of a route's JSON: `X-Cache: HIT|MISS`, and one computation per key at a
 * time in this process (concurrent misses wait for the same result instead of stampeding).
 * The serialised body is what is cached, so a hit costs no JSON work at all.
 */
export const makeResponseCache = (run: RunEffect<Cache>, enabled: boolean, onLookup: (key: string, hit: boolean) => void = () => {}) => {
  const inFlight = new Map<string, Promise<string>>()
  const respond = (body: string, cache: "HIT" | "MISS") => new Response(body, { headers: { "content-type": "application/json", "x-cache": cache } })

  return async (key: string, ttlSeconds: number, compute: () => Promise<unknown>): Promise<Response> => {
    if (enabled) {
      const hit = await run(Effect.flatMap(Cache, (cache) => cache.get(key)))
      onLookup(key, hit !== undefined)
      if (hit !== undefined) return respond(hit, "HIT")
    }
    let pending = inFlight.get(key)
    if (!pending) {
      pending = compute()
        .then(async (value) => {
          const body = JSON.stringify(value)
          if (enabled) await run(Effect.flatMap(Cache, (cache) => cache.set(key, body, ttlSeconds)))
          return body
        })
        .finally(() => inFlight.delete(key))
      inFlight.set(key, pending)
    }
    return respond(await pending, "MISS")
  }
}
