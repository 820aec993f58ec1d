import { describe, expect, test } from "bun:test"
import Redis from "ioredis"
import { Context, Effect, Layer } from "effect"
import { makeMemoryCache } from "../../src/adapters/cache/memory.ts"
import { makeRedisCache } from "../../src/adapters/cache/redis.ts"
import { makeMemoryRateLimiter } from "../../src/adapters/rate-limiter/memory.ts"
import { makeRedisRateLimiter } from "../../src/adapters/rate-limiter/redis.ts"
import { RedisConnection, RedisConnectionLive } from "../../src/adapters/redis/client.ts"
import { Cache } from "../../src/ports/cache.ts"
import { RateLimiter } from "../../src/ports/rate-limiter.ts"
import { REDIS_URL, redisAvailable, uniquePrefix } from "../support/redis.ts"
import { realSleep, sharedStateContract } from "./shared-state.ts"

const onRedis = (prefix = uniquePrefix()) =>
  Layer.mergeAll(
    Layer.effect(
      Cache,
      Effect.map(RedisConnection, (c) => makeRedisCache(c, makeMemoryCache(100)))
    ),
    Layer.effect(
      RateLimiter,
      Effect.map(RedisConnection, (c) => makeRedisRateLimiter(c, makeMemoryRateLimiter()))
    )
  ).pipe(Layer.provideMerge(RedisConnectionLive(REDIS_URL, prefix)))

// The connection must be ready before the first command, or the adapters answer from memory.
const ready = (prefix?: string) =>
  Layer.effectDiscard(
    Effect.flatMap(RedisConnection, (c) =>
      Effect.promise(async () => {
        while (!c.isReady()) await Bun.sleep(10)
      })
    )
  ).pipe(Layer.provideMerge(onRedis(prefix)))

if (await redisAvailable()) {
  sharedStateContract("Redis", ready, realSleep, false)

  // The contract above would also pass on the in-memory fallback; these pass only on Redis.
  describe("cache and rate limiter on Redis: shared by replicas, stored in Redis", () => {
    test("what one replica caches, another reads, and Redis holds it under the prefix", async () => {
      const prefix = uniquePrefix()
      await Effect.runPromise(
        Effect.gen(function* () {
          const one = Context.get(yield* Layer.build(ready(prefix)), Cache)
          const other = Context.get(yield* Layer.build(ready(prefix)), Cache)
          yield* one.set("metrics:overview", '{"total":7}', 60)
          expect(yield* other.get("metrics:overview")).toBe('{"total":7}')
          expect((yield* other.stats).backend).toBe("redis")
          expect(yield* other.clear("metrics:*")).toBe(1)
          expect(yield* one.get("metrics:overview")).toBeUndefined()
        }).pipe(Effect.scoped)
      )
      const direct = new Redis(REDIS_URL)
      try {
        await direct.set(`${prefix}cache:planted`, "from redis")
        const reader = await Effect.runPromise(
          Effect.gen(function* () {
            return yield* Context.get(yield* Layer.build(ready(prefix)), Cache).get("planted")
          }).pipe(Effect.scoped)
        )
        expect(reader).toBe("from redis")
      } finally {
        await direct.del(`${prefix}cache:planted`)
        direct.disconnect()
      }
    })

    test("requests counted by two replicas add up to one limit", async () => {
      const prefix = uniquePrefix()
      const decisions = await Effect.runPromise(
        Effect.gen(function* () {
          const one = Context.get(yield* Layer.build(ready(prefix)), RateLimiter)
          const other = Context.get(yield* Layer.build(ready(prefix)), RateLimiter)
          const limit = { limit: 4, windowSeconds: 60 }
          const hits = []
          for (let i = 0; i < 3; i++) hits.push(yield* one.hit("search", "ip:10.9.9.9", limit), yield* other.hit("search", "ip:10.9.9.9", limit))
          return hits.map((d) => d.allowed)
        }).pipe(Effect.scoped)
      )
      expect(decisions).toEqual([true, true, true, true, false, false])
    })
  })
}
