import { describe, expect, test } from "bun:test"
import { Effect, type Layer, TestClock, TestContext } from "effect"
import { Cache } from "../../src/ports/cache.ts"
import { RateLimiter } from "../../src/ports/rate-limiter.ts"

/**
 * What the cache and rate-limiter adapters must do. `layer` builds a fresh pair; `sleep`
 * advances time (TestClock for memory, real waiting for Redis, whose clock is its own).
 */
export const sharedStateContract = (
  name: string,
  layer: () => Layer.Layer<Cache | RateLimiter, unknown>,
  sleep: (ms: number) => Effect.Effect<void>,
  withTestClock: boolean
) =>
  describe(`cache and rate limiter contract: ${name}`, () => {
    const run = <A>(body: Effect.Effect<A, unknown, Cache | RateLimiter>) => {
      const provided = body.pipe(Effect.provide(layer()), Effect.scoped)
      return Effect.runPromise(withTestClock ? provided.pipe(Effect.provide(TestContext.TestContext)) : provided)
    }

    test("a cached value is returned until its TTL passes", () =>
      run(
        Effect.gen(function* () {
          const cache = yield* Cache
          yield* cache.set("metrics:overview", '{"total":42}', 1)
          expect(yield* cache.get("metrics:overview")).toBe('{"total":42}')
          yield* sleep(1100)
          expect(yield* cache.get("metrics:overview")).toBeUndefined()
        })
      ))

    test("clear deletes only the keys matching the pattern", () =>
      run(
        Effect.gen(function* () {
          const cache = yield* Cache
          yield* cache.set("metrics:overview", "1", 60)
          yield* cache.set("metrics:service:api", "2", 60)
          yield* cache.set("other:thing", "3", 60)
          yield* cache.set("metrics[x]", "4", 60)
          expect(yield* cache.clear("metrics:*")).toBe(2)
          expect(yield* cache.get("other:thing")).toBe("3")
          expect(yield* cache.get("metrics[x]")).toBe("4")
          expect(yield* cache.get("metrics:service:api")).toBeUndefined()
        })
      ))

    test("stats count hits and misses", () =>
      run(
        Effect.gen(function* () {
          const cache = yield* Cache
          yield* cache.set("k", "v", 60)
          yield* cache.get("k")
          yield* cache.get("k")
          yield* cache.get("missing")
          const stats = yield* cache.stats
          expect([stats.hits, stats.misses, stats.keys]).toEqual([2, 1, 1])
          expect(stats.hit_rate).toBeCloseTo(2 / 3)
        })
      ))

    test("a limit of N allows exactly N requests per window, then refuses until the window slides", () =>
      run(
        Effect.gen(function* () {
          const limiter = yield* RateLimiter
          const limit = { limit: 5, windowSeconds: 1 }
          const decisions = yield* Effect.forEach(Array.from({ length: 6 }), () => limiter.hit("search", "ip:10.0.0.1", limit))
          expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, true, true, false])
          expect(decisions.map((d) => d.remaining)).toEqual([4, 3, 2, 1, 0, 0])
          expect((yield* limiter.hit("search", "ip:10.0.0.2", limit)).allowed).toBe(true) // other clients are separate
          expect((yield* limiter.hit("login", "ip:10.0.0.1", limit)).allowed).toBe(true) // and other limits
          yield* sleep(1100)
          expect((yield* limiter.hit("search", "ip:10.0.0.1", limit)).allowed).toBe(true)
        })
      ))

    test("usage lists clients; reset forgets one client, reset-all every client", () =>
      run(
        Effect.gen(function* () {
          const limiter = yield* RateLimiter
          const limit = { limit: 2, windowSeconds: 60 }
          yield* limiter.hit("search", "ip:1.1.1.1", limit)
          yield* limiter.hit("search", "ip:1.1.1.1", limit)
          yield* limiter.hit("lookup", "user:abc", limit)
          const usage = yield* limiter.usage
          expect([...usage].sort((a, b) => a.client.localeCompare(b.client))).toEqual([
            { client: "ip:1.1.1.1", name: "search", used: 2 },
            { client: "user:abc", name: "lookup", used: 1 }
          ])
          expect(yield* limiter.reset("ip:1.1.1.1")).toBe(true)
          expect(yield* limiter.reset("ip:9.9.9.9")).toBe(false)
          expect((yield* limiter.hit("search", "ip:1.1.1.1", limit)).remaining).toBe(1)
          yield* limiter.resetAll
          expect(yield* limiter.usage).toEqual([])
        })
      ))
  })

export const testClockSleep = (ms: number) => TestClock.adjust(ms)
export const realSleep = (ms: number) => Effect.promise(() => Bun.sleep(ms))
