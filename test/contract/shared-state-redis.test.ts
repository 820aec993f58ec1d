import { Effect, Layer } from "effect"
import { makeMemoryCache } from "../../src/adapters/cache/memory.ts"
import { makeRedisCache } from "../../src/adapters/cache/redis.ts"
import { makeMemoryRateLimiter } from "../../src/adapters/rate-limiter/memory.ts"
import { makeRedisRateLimiter } from "../../src/adapters/rate-limiter/redis.ts"
import { RedisConnection, RedisConnectionLive } from "../../src/adapters/redis/client.ts"
import { Cache } from "../../src/ports/cache.ts"
import { RateLimiter } from "../../src/ports/rate-limiter.ts"
import { REDIS_URL, redisAvailable, uniquePrefix } from "../support/redis.ts"
import { realSleep, sharedStateContract } from "./shared-state.ts"

const onRedis = () =>
  Layer.mergeAll(
    Layer.effect(
      Cache,
      Effect.map(RedisConnection, (c) => makeRedisCache(c, makeMemoryCache(100)))
    ),
    Layer.effect(
      RateLimiter,
      Effect.map(RedisConnection, (c) => makeRedisRateLimiter(c, makeMemoryRateLimiter()))
    )
  ).pipe(Layer.provideMerge(RedisConnectionLive(REDIS_URL, uniquePrefix())))

// The connection must be ready before the first command, or the adapters answer from memory.
const ready = () =>
  Layer.effectDiscard(
    Effect.flatMap(RedisConnection, (c) =>
      Effect.promise(async () => {
        while (!c.isReady()) await Bun.sleep(10)
      })
    )
  ).pipe(Layer.provideMerge(onRedis()))

if (await redisAvailable()) sharedStateContract("Redis", ready, realSleep, false)
