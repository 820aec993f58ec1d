import { describe, expect } from "bun:test"
import { Deferred, Effect, Exit, Scope, TestClock } from "effect"
import { spawn } from "../../../actors/kit/actor.ts"
import { makeBatchIndexer } from "../../../actors/batch-indexer.ts"
import type { IngestError } from "../../../src/domain/errors.ts"
import type { LogRecord } from "../../../src/domain/log-record.ts"
import type { Delivery } from "../../../src/ports/log-bus.ts"
import { effectTest, waitUntil } from "../../support/effect.ts"
import { makeRecord } from "../../support/records.ts"
import { makeRecordingStore } from "../../support/recording-store.ts"

/** A delivery of `n` records whose settlement the test can observe. */
const delivery = (n: number) =>
  Effect.gen(function* () {
    const settled = yield* Deferred.make<void, IngestError>()
    const d: Delivery = {
      records: Array.from({ length: n }, () => makeRecord()),
      ack: Deferred.succeed(settled, undefined),
      reject: (error) => Deferred.fail(settled, error)
    }
    return { delivery: d, settled }
  })

const startIndexer = (
  store: ReturnType<typeof makeRecordingStore>,
  batchSize: number,
  listeners: Array<ReturnType<typeof spawn<ReadonlyArray<LogRecord>, never>>> = [],
  writesInFlight = 2
) =>
  Effect.gen(function* () {
    const committed = yield* Effect.all(listeners)
    const indexer = yield* makeBatchIndexer({ batchSize, flushInterval: "1 second", capacity: 16, writesInFlight, committed, onFlush: () => {} }).pipe(
      Effect.provide(store.layer)
    )
    return { indexer, committed }
  })

describe("batching indexer", () => {
  effectTest("flushes as soon as the batch holds N records, without waiting for the timer", () =>
    Effect.gen(function* () {
      const store = makeRecordingStore()
      const { indexer } = yield* startIndexer(store, 5)
      const deliveries = yield* Effect.all([delivery(2), delivery(2), delivery(1)])
      yield* Effect.forEach(deliveries, (d) => indexer.send(d.delivery))
      yield* Effect.forEach(deliveries, (d) => Deferred.await(d.settled))
      expect(store.batches.map((b) => b.length)).toEqual([5])
    })
  )

  effectTest("flushes a partial batch T ms after its first record arrived", () =>
    Effect.gen(function* () {
      const store = makeRecordingStore()
      const { indexer } = yield* startIndexer(store, 1000)
      const d = yield* delivery(3)
      yield* indexer.send(d.delivery)
      yield* TestClock.adjust("999 millis")
      expect(store.batches).toEqual([])
      yield* TestClock.adjust("1 millis")
      yield* Deferred.await(d.settled)
      expect(store.batches.map((b) => b.length)).toEqual([3])
    })
  )

  effectTest("acknowledges a delivery only after its batch is written", () =>
    Effect.gen(function* () {
      const store = makeRecordingStore()
      const { indexer } = yield* startIndexer(store, 1000)
      const d = yield* delivery(1)
      yield* indexer.send(d.delivery)
      yield* Effect.yieldNow()
      expect(yield* Deferred.isDone(d.settled)).toBe(false)
      yield* TestClock.adjust("1 second")
      yield* Deferred.await(d.settled)
      expect(store.batches.length).toBe(1)
    })
  )

  effectTest("writes the next batch while one is still being written, and answers them in order", () =>
    Effect.gen(function* () {
      const store = makeRecordingStore()
      const gate = yield* Deferred.make<void>()
      let writes = 0
      store.control.beforeWrite = Effect.suspend(() => (++writes === 1 ? Deferred.await(gate) : Effect.void))
      const { indexer } = yield* startIndexer(store, 1)
      const [first, second] = yield* Effect.all([delivery(1), delivery(1)])
      yield* indexer.send(first!.delivery)
      yield* indexer.send(second!.delivery)
      // The second batch is written while the first write still waits…
      yield* waitUntil(
        Effect.sync(() => store.batches.length),
        (n) => n === 1
      )
      expect(store.batches[0]).toEqual(second!.delivery.records)
      // …but it is not acknowledged before the first.
      expect(yield* Deferred.isDone(second!.settled)).toBe(false)
      yield* Deferred.succeed(gate, undefined)
      yield* Deferred.await(first!.settled)
      yield* Deferred.await(second!.settled)
      expect(store.batches.length).toBe(2)
    })
  )

  effectTest("a backlog that built up behind a slow write is written in batches of N records, not as one, and all of it on shutdown", () =>
    Effect.gen(function* () {
      const store = makeRecordingStore()
      const gate = yield* Deferred.make<void>()
      let writes = 0
      store.control.beforeWrite = Effect.suspend(() => (++writes === 1 ? Deferred.await(gate) : Effect.void))
      const scope = yield* Scope.make()
      const { indexer } = yield* startIndexer(store, 2, [], 1).pipe(Scope.extend(scope))
      const deliveries = yield* Effect.all(Array.from({ length: 9 }, () => delivery(1)))
      for (const d of deliveries) yield* indexer.send(d.delivery)
      yield* Deferred.succeed(gate, undefined)
      yield* Scope.close(scope, Exit.void)
      expect(store.batches.flat().length).toBe(9)
      expect(Math.max(...store.batches.map((b) => b.length))).toBe(2)
      for (const d of deliveries) expect(yield* Deferred.isDone(d.settled)).toBe(true)
    })
  )

  effectTest("a failed write rejects its deliveries instead of acknowledging them", () =>
    Effect.gen(function* () {
      const store = makeRecordingStore()
      store.control.failWrites = true
      const { indexer } = yield* startIndexer(store, 1)
      const d = yield* delivery(1)
      yield* indexer.send(d.delivery)
      const outcome = yield* Deferred.await(d.settled).pipe(Effect.either)
      expect(outcome._tag).toBe("Left")
      expect(indexer.stats.failures).toBe(1)
    })
  )

  effectTest("always flushes what it holds when it is shut down", () =>
    Effect.gen(function* () {
      const store = makeRecordingStore()
      const scope = yield* Scope.make()
      const { indexer } = yield* startIndexer(store, 1000).pipe(Scope.extend(scope))
      const deliveries = yield* Effect.all([delivery(2), delivery(3)])
      yield* Effect.forEach(deliveries, (d) => indexer.send(d.delivery))
      yield* Effect.yieldNow()
      yield* Scope.close(scope, Exit.void)
      expect(store.batches.flat().length).toBe(5)
      for (const d of deliveries) expect(yield* Deferred.isDone(d.settled)).toBe(true)
    })
  )

  effectTest("passes committed records on to its listeners", () =>
    Effect.gen(function* () {
      const store = makeRecordingStore()
      const received: LogRecord[] = []
      const listener = spawn<ReadonlyArray<LogRecord>, never>({ name: "listener", kind: "test", capacity: 4 }, (mailbox) => ({
        run: mailbox.take.pipe(
          Effect.map((records) => received.push(...records)),
          Effect.forever
        )
      }))
      const { indexer } = yield* startIndexer(store, 2, [listener])
      const d = yield* delivery(2)
      yield* indexer.send(d.delivery)
      yield* waitUntil(
        Effect.sync(() => received.length),
        (n) => n === 2
      )
      expect(received).toEqual([...d.delivery.records])
    })
  )
})
