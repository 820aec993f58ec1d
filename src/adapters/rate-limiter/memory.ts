import { Clock, Effect, Layer } from "effect"
import { RateLimiter } from "../../ports/rate-limiter.ts"

/**
 * Sliding-window log in process memory: each key keeps the times of its requests within the
 * window, so a limit of N is exact at the boundary (the N+1st request in any window is refused).
 * Memory per key is bounded by the limit; idle keys are swept as the map grows.
 */
export const makeMemoryRateLimiter = Effect.sync(() => {
  const hits = new Map<string, number[]>()
  const sweep = (now: number) => {
    for (const [key, times] of hits) if (times.length === 0 || times[times.length - 1]! < now - 3_600_000) hits.delete(key)
  }
  let nextSweepAt = 10_000

  return RateLimiter.of({
    hit: (key, { limit, windowSeconds }) =>
      Clock.currentTimeMillis.pipe(Effect.map((now) => {
        if (hits.size >= nextSweepAt) {
          sweep(now)
          nextSweepAt = Math.max(10_000, hits.size * 2)
        }
        const windowStart = now - windowSeconds * 1000
        const times = (hits.get(key) ?? []).filter((t) => t > windowStart)
        const allowed = times.length < limit
        if (allowed) times.push(now)
        hits.set(key, times)
        const oldest = times[0] ?? now
        return {
          allowed,
          limit,
          remaining: Math.max(0, limit - times.length),
          resetSeconds: Math.max(1, Math.ceil((oldest + windowSeconds * 1000 - now) / 1000))
        }
      })),
    reset: (key) => Effect.sync(() => hits.delete(key)),
    resetAll: Effect.sync(() => hits.clear())
  })
})

export const MemoryRateLimiterLive = Layer.effect(RateLimiter, makeMemoryRateLimiter)
