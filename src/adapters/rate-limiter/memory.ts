import { Clock, Effect } from "effect"
import { RateLimiter } from "../../ports/rate-limiter.ts"

/**
 * Sliding-window log in process memory: each (limit, client) keeps the times of its requests
 * within the window, so a limit of N refuses the N+1st request in any window. Memory per key
 * is bounded by the limit; idle keys are swept as the map grows. Also the fallback while Redis
 * is unreachable.
 */
export const makeMemoryRateLimiter = () => {
  const hits = new Map<string, { name: string; client: string; windowMs: number; times: number[] }>()
  let nextSweepAt = 10_000
  const sweep = (now: number) => {
    for (const [key, entry] of hits) if (entry.times.every((t) => t <= now - entry.windowMs)) hits.delete(key)
    nextSweepAt = Math.max(10_000, hits.size * 2)
  }

  return RateLimiter.of({
    hit: (name, client, { limit, windowSeconds }) =>
      Clock.currentTimeMillis.pipe(
        Effect.map((now) => {
          if (hits.size >= nextSweepAt) sweep(now)
          const key = `${name}\u0000${client}`
          const windowMs = windowSeconds * 1000
          const entry = hits.get(key) ?? { name, client, windowMs, times: [] }
          entry.times = entry.times.filter((t) => t > now - windowMs)
          const allowed = entry.times.length < limit
          if (allowed) entry.times.push(now)
          hits.set(key, entry)
          return {
            allowed,
            limit,
            remaining: Math.max(0, limit - entry.times.length),
            resetSeconds: Math.max(1, Math.ceil(((entry.times[0] ?? now) + windowMs - now) / 1000))
          }
        })
      ),
    usage: Clock.currentTimeMillis.pipe(
      Effect.map((now) =>
        [...hits.values()].map((e) => ({ client: e.client, name: e.name, used: e.times.filter((t) => t > now - e.windowMs).length })).filter((u) => u.used > 0)
      )
    ),
    reset: (client) =>
      Effect.sync(() => {
        let found = false
        for (const [key, entry] of hits) {
          if (entry.client === client) {
            hits.delete(key)
            found = true
          }
        }
        return found
      }),
    resetAll: Effect.sync(() => hits.clear()),
    backend: () => "memory"
  })
}
