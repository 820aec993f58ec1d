import { Effect } from "effect"
import { Cache, globMatcher } from "../../ports/cache.ts"
import { escapeGlob, orFallback as redisOrFallback, type RedisConnection, scanKeys } from "../redis/client.ts"

/**
 * Redis cache shared by API replicas (expiry by SET EX). While Redis is
 * unreachable, reads and writes go to the in-process cache instead, so no request fails;
 * ioredis reconnects by itself and Redis takes over again.
 */
export const makeRedisCache = (connection: RedisConnection["Type"], fallback: Cache["Type"]) => {
  const { redis } = connection
  const keyPrefix = `${connection.prefix}cache:`
  let hits = 0
  let misses = 0
  const orFallback = <A>(run: () => Promise<A>, fallbackEffect: Effect.Effect<A>) => redisOrFallback(connection, run, fallbackEffect)
  const scan = (pattern: string) => scanKeys(redis, pattern)

  return Cache.of({
    get: (key) =>
      orFallback(async () => {
        const text = await redis.get(keyPrefix + key)
        if (text === null) {
          misses++
          return undefined
        }
        hits++
        return text
      }, fallback.get(key)),
    set: (key, value, ttlSeconds) =>
      orFallback(async () => void (await redis.set(keyPrefix + key, value, "EX", ttlSeconds)), fallback.set(key, value, ttlSeconds)),
    clear: (pattern) =>
      Effect.zipWith(
        orFallback(async () => {
          // Redis matches SCAN patterns by backtracking; LogFlow's own matcher does not.
          const matches = globMatcher(pattern)
          const keys = (await scan(`${escapeGlob(keyPrefix)}*`)).filter((key) => matches(key.slice(keyPrefix.length)))
          if (keys.length) await redis.del(...keys)
          return keys.length
        }, Effect.succeed(0)),
        fallback.clear(pattern),
        (a, b) => a + b
      ),
    stats: Effect.gen(function* () {
      const local = yield* fallback.stats
      if (!connection.isReady()) return { ...local, backend: "memory (redis unavailable)" }
      return yield* Effect.tryPromise(async () => {
        const keys = (await scan(`${escapeGlob(keyPrefix)}*`)).length
        const memory = Number(/used_memory:(\d+)/.exec(await redis.info("memory"))?.[1] ?? 0)
        const total = hits + misses
        return { backend: "redis", hits, misses, hit_rate: total === 0 ? 0 : hits / total, keys, memory_bytes: memory }
      }).pipe(Effect.orElse(() => Effect.succeed({ ...local, backend: "memory (redis unavailable)" })))
    })
  })
}
