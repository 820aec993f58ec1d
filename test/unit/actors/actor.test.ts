import { describe, expect } from "bun:test"
import { Deferred, type Duration, Effect, Exit, Fiber, Queue, Ref, Scope, TestClock } from "effect"
import { handleEach, spawn } from "../../../actors/kit/actor.ts"
import { effectTest, waitUntil } from "../../support/effect.ts"

describe("actor kit", () => {
  effectTest("a producer blocks while the mailbox is full and resumes when it drains", () =>
    Effect.gen(function* () {
      const gate = yield* Deferred.make<void>()
      const handled = yield* Ref.make<number[]>([])
      const actor = yield* spawn(
        { name: "slow", kind: "test", capacity: 2 },
        handleEach((n: number) => Deferred.await(gate).pipe(Effect.andThen(Ref.update(handled, (xs) => [...xs, n]))))
      )

      // The actor takes 1 and waits at the gate; 2 and 3 fill the mailbox; 4 must wait.
      yield* actor.send(1)
      yield* Effect.yieldNow()
      yield* actor.send(2)
      yield* actor.send(3)
      const producer = yield* Effect.fork(actor.send(4))
      yield* Effect.yieldNow()
      expect(producer.unsafePoll()).toBeNull()
      expect(actor.stats.depth()).toBe(2)

      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.join(producer)
      yield* waitUntil(Ref.get(handled), (xs) => xs.length === 4)
      expect(yield* Ref.get(handled)).toEqual([1, 2, 3, 4])
    })
  )

  effectTest("a defect restarts the actor after a backoff and keeps its mailbox", () =>
    Effect.gen(function* () {
      const seen = yield* Ref.make<string[]>([])
      const actor = yield* spawn(
        { name: "flaky", kind: "test", capacity: 10, restartDelay: "1 second" },
        handleEach((m: string) => (m === "boom" ? Effect.die(new Error("boom")) : Ref.update(seen, (xs) => [...xs, m])))
      )

      yield* actor.send("a")
      yield* actor.send("boom")
      yield* actor.send("b")
      yield* actor.send("c")
      yield* waitUntil(
        Effect.sync(() => actor.stats.failures),
        (n) => n === 1
      )
      expect(yield* Ref.get(seen)).toEqual(["a"])

      // Still waiting out the backoff: nothing more is handled, the mailbox keeps b and c.
      yield* TestClock.adjust("500 millis")
      expect(yield* Ref.get(seen)).toEqual(["a"])
      expect(actor.stats.depth()).toBe(2)

      yield* TestClock.adjust("600 millis")
      yield* waitUntil(Ref.get(seen), (xs) => xs.length === 3)
      expect(yield* Ref.get(seen)).toEqual(["a", "b", "c"])
      expect(actor.stats.restarts).toBe(1)
    })
  )

  effectTest("the restart delay doubles with each defect and stays under its cap", () =>
    Effect.gen(function* () {
      const attempts = yield* Ref.make(0)
      const actor = yield* spawn({ name: "broken", kind: "test", capacity: 10, restartDelay: "1 second", maxRestartDelay: "3 seconds" }, () => ({
        run: Ref.update(attempts, (n) => n + 1).pipe(Effect.andThen(Effect.die("always")))
      }))
      const attemptsAfter = (duration: Duration.DurationInput) => TestClock.adjust(duration).pipe(Effect.andThen(Ref.get(attempts)))
      yield* waitUntil(Ref.get(attempts), (n) => n === 1)
      expect(yield* attemptsAfter("1 second")).toBe(2) // waited 1 s
      expect(yield* attemptsAfter("2 seconds")).toBe(3) // waited 2 s
      expect(yield* attemptsAfter("2999 millis")).toBe(3) // capped at 3 s, not 4
      expect(yield* attemptsAfter("1 millis")).toBe(4)
      expect(yield* attemptsAfter("3 seconds")).toBe(5)
      expect(actor.stats.restarts).toBe(4)
    })
  )

  effectTest("shutdown drains the messages still in the mailbox", () =>
    Effect.gen(function* () {
      const handled = yield* Ref.make<number[]>([])
      const gate = yield* Deferred.make<void>()
      const scope = yield* Scope.make()
      const actor = yield* spawn(
        { name: "draining", kind: "test", capacity: 10 },
        handleEach((n: number) => (n === 1 ? Deferred.await(gate) : Effect.void).pipe(Effect.andThen(Ref.update(handled, (xs) => [...xs, n]))))
      ).pipe(Scope.extend(scope))
      yield* Effect.forEach([1, 2, 3], actor.send)
      yield* Effect.yieldNow()
      yield* Scope.close(scope, Exit.void)
      // 1 was interrupted mid-handling; 2 and 3 were still queued and are handled by the drain.
      expect(yield* Ref.get(handled)).toEqual([2, 3])
    })
  )

  effectTest("a dropOldest mailbox never blocks the sender and counts what it drops", () =>
    Effect.gen(function* () {
      const actor = yield* spawn({ name: "lossy", kind: "test", capacity: 2, whenFull: "dropOldest" }, () => ({ run: Effect.never }))
      yield* Effect.forEach([1, 2, 3, 4, 5], actor.send)
      expect(actor.stats.dropped).toBe(3)
      expect([...(yield* Queue.takeAll(actor.mailbox))]).toEqual([4, 5])
    })
  )
})
