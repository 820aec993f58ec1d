import { Effect, Layer } from "effect"
import type { Config } from "../config.ts"
import { Cache } from "../ports/cache.ts"
import { RateLimiter } from "../ports/rate-limiter.ts"
import { RedisStatus } from "../ports/redis-status.ts"
import { makeMemoryCache } from "./cache/memory.ts"
import { makeRedisCache } from "./cache/redis.ts"
import { makeMemoryRateLimiter } from "./rate-limiter/memory.ts"
import { makeRedisRateLimiter } from "./rate-limiter/redis.ts"
import { RedisConnection, RedisConnectionLive } from "./redis/client.ts"

/**
 * Cache and rate limiter: in process by default; on Redis (shared by API replicas, with the
 * in-process adapters as fallback during an outage) when REDIS_URL or REDIS_HOST is set.
 * Also provides RedisStatus when Redis is in use, for /health.
 */
export const sharedStateLayer = (config: Config) => {
  const memory = Layer.mergeAll(
    Layer.sync(Cache, () => makeMemoryCache(config.CACHE_MAX_ENTRIES)),
    Layer.sync(RateLimiter, makeMemoryRateLimiter)
  )
  if (config.redisUrl === undefined) return memory
  const onRedis = Layer.mergeAll(
    Layer.effect(
      Cache,
      Effect.map(RedisConnection, (c) => makeRedisCache(c, makeMemoryCache(config.CACHE_MAX_ENTRIES)))
    ),
    Layer.effect(
      RateLimiter,
      Effect.map(RedisConnection, (c) => makeRedisRateLimiter(c, makeMemoryRateLimiter()))
    ),
    Layer.effect(
      RedisStatus,
      Effect.map(RedisConnection, (c) => RedisStatus.of({ isReady: c.isReady }))
    )
  )
  return onRedis.pipe(Layer.provideMerge(RedisConnectionLive(config.redisUrl, config.REDIS_KEY_PREFIX)))
}
