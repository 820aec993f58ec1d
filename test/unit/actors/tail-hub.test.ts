import { describe, expect } from "bun:test"
import { Effect, Exit, Scope, Stream } from "effect"
import { makeTailHub } from "../../../actors/tail-hub.ts"
import { effectTest, waitUntil } from "../../support/effect.ts"
import { makeRecord } from "../../support/records.ts"

describe("tail hub", () => {
  effectTest("a subscriber that falls behind is told how many lines it missed, and the sender never waits", () =>
    Effect.gen(function* () {
      const hub = yield* makeTailHub({ capacity: 100, subscriberBuffer: 3, subscriberBufferBytes: 1 << 20 })
      const subscription = yield* hub.subscribe(() => true)
      for (let i = 0; i < 5; i++) expect(yield* hub.actor.send([makeRecord({ message: `line ${i}` })])).toBe(true)
      yield* waitUntil(
        Effect.sync(() => hub.actor.stats.handled),
        (n) => n === 5
      )
      const { records, missed } = yield* subscription.next
      expect(records.map((r) => r.message)).toEqual(["line 0", "line 1", "line 2"])
      expect(missed).toBe(2)
    })
  )

  effectTest("a subscriber behind on long records is bounded by bytes, not only by count", () =>
    Effect.gen(function* () {
      const hub = yield* makeTailHub({ capacity: 100, subscriberBuffer: 10_000, subscriberBufferBytes: 1 << 20 })
      const subscription = yield* hub.subscribe(() => true)
      // 100 records of 64 Ki characters hold about 12.5 MiB; 1 MiB of them fits in the buffer.
      for (let i = 0; i < 100; i++) yield* hub.actor.send([makeRecord({ message: `${i} ${"x".repeat(64 * 1024)}` })])
      yield* waitUntil(
        Effect.sync(() => hub.actor.stats.handled),
        (n) => n === 100
      )
      const first = yield* subscription.next
      expect(first.records.length).toBeGreaterThan(0)
      expect(first.records.reduce((sum, r) => sum + r.message.length * 2, 0)).toBeLessThanOrEqual(1 << 20)
      expect(first.records.length + first.missed).toBe(100)
      // Once read, the buffer has room again.
      yield* hub.actor.send([makeRecord({ message: "after" })])
      yield* waitUntil(
        Effect.sync(() => hub.actor.stats.handled),
        (n) => n === 101
      )
      expect((yield* subscription.next).records.map((r) => r.message)).toEqual(["after"])
    })
  )

  effectTest("a closed subscription no longer receives records", () =>
    Effect.gen(function* () {
      const hub = yield* makeTailHub({ capacity: 10, subscriberBuffer: 10, subscriberBufferBytes: 1 << 20 })
      yield* Effect.scoped(hub.subscribe(() => true))
      expect(hub.subscriberCount()).toBe(0)
    })
  )

  effectTest("the hub says when someone tails and when the last one leaves, so a follower reads the bus only then", () =>
    Effect.gen(function* () {
      const hub = yield* makeTailHub({ capacity: 10, subscriberBuffer: 10, subscriberBufferBytes: 1 << 20 })
      const seen: boolean[] = []
      yield* hub.watched.pipe(
        Stream.runForEach((w) => Effect.sync(() => seen.push(w))),
        Effect.forkScoped
      )
      yield* waitUntil(
        Effect.sync(() => seen.length),
        (n) => n === 1
      )
      const first = yield* Scope.make()
      const second = yield* Scope.make()
      yield* hub.subscribe(() => true).pipe(Scope.extend(first))
      yield* hub.subscribe(() => true).pipe(Scope.extend(second))
      yield* Scope.close(first, Exit.void)
      // One of two left: still watched.
      yield* waitUntil(
        Effect.sync(() => seen.length),
        (n) => n === 4
      )
      expect(seen).toEqual([false, true, true, true])
      yield* Scope.close(second, Exit.void)
      yield* waitUntil(
        Effect.sync(() => seen.at(-1)),
        (w) => w === false
      )
      expect(seen).toEqual([false, true, true, true, false])
    })
  )
})
