import { describe, expect } from "bun:test"
import { Context, Deferred, Effect, Exit, Fiber, Layer, Scope, TestClock } from "effect"
import { buildPipeline } from "../../../pipelines/build.ts"
import { ALL_IN_ONE } from "../../../pipelines/topology.ts"
import { makeMemoryBus } from "../../../src/adapters/log-bus/memory.ts"
import { loadConfig } from "../../../src/config.ts"
import { LogBus } from "../../../src/ports/log-bus.ts"
import { PatternStore } from "../../../src/ports/pattern-store.ts"
import { effectTest, waitUntil } from "../../support/effect.ts"
import { makeRecord } from "../../support/records.ts"
import { makeRecordingStore } from "../../support/recording-store.ts"
import { freshSqliteMetaUrl, patternStoreLayer } from "../../support/pattern-store.ts"

const config = loadConfig({ BUS_PARTITIONS: "2", BUS_PARTITION_CAPACITY: "1", INDEXER_MAILBOX: "1", INDEXER_BATCH_SIZE: "1", INDEXER_FLUSH_MS: "10" })

const start = (store: ReturnType<typeof makeRecordingStore>) =>
  Effect.gen(function* () {
    const bus = yield* makeMemoryBus({ partitions: 2, partitionCapacity: 1, enqueueTimeout: "1 second", commitTimeout: "1 minute" })
    // Built in the test's scope, so the metadata store outlives buildPipeline's own effect.
    const patterns = yield* Layer.build(patternStoreLayer(freshSqliteMetaUrl()))
    const pipelineScope = yield* Scope.make()
    const pipeline = yield* buildPipeline(ALL_IN_ONE, config).pipe(
      Effect.provide(Layer.merge(store.layer, Layer.succeed(LogBus, bus))),
      Effect.provide(patterns),
      Scope.extend(pipelineScope)
    )
    return { bus, pipeline, patterns: Context.get(patterns, PatternStore), stop: Scope.close(pipelineScope, Exit.void) }
  })

describe("embedded pipeline", () => {
  effectTest("publish completes only once the records are in the store", () =>
    Effect.gen(function* () {
      const store = makeRecordingStore()
      const { bus } = yield* start(store)
      const records = [makeRecord({ service: "a" }), makeRecord({ service: "b" }), makeRecord({ service: "c" })]
      yield* bus.publish(records)
      expect(
        store.batches
          .flat()
          .map((r) => r.id)
          .sort()
      ).toEqual(records.map((r) => r.id).sort())
    })
  )

  effectTest("a slow store backs up to publishers, who get PipelineSaturated after the bounded wait", () =>
    Effect.gen(function* () {
      const store = makeRecordingStore()
      const open = yield* Deferred.make<void>()
      store.control.beforeWrite = Deferred.await(open)
      const { bus } = yield* start(store)

      // Fill the indexer (writing), its mailbox and the partition, one delivery each.
      const inFlight = yield* Effect.forEach([1, 2, 3, 4, 5, 6], () => Effect.fork(bus.publish([makeRecord({ service: "same" })])))
      yield* waitUntil(
        Effect.forEach(inFlight, (f) => f.status),
        (statuses) => statuses.every((s) => s._tag === "Suspended")
      )
      const late = yield* Effect.fork(bus.publish([makeRecord({ service: "same" })]).pipe(Effect.either))
      yield* TestClock.adjust("1 second")
      const outcome = yield* Fiber.join(late)
      expect(outcome._tag === "Left" && outcome.left._tag).toBe("PipelineSaturated")

      // Once the store recovers, everything that was queued is written and acknowledged.
      yield* Deferred.succeed(open, undefined)
      const settled = yield* Effect.forEach(inFlight, (f) => Fiber.join(f).pipe(Effect.either))
      const acked = settled.filter((s) => s._tag === "Right").length
      expect(store.batches.flat().length).toBe(acked)
      expect(acked).toBeGreaterThanOrEqual(3)
    })
  )

  effectTest("live-tail subscribers receive committed records that match their filter", () =>
    Effect.gen(function* () {
      const store = makeRecordingStore()
      const { bus, pipeline } = yield* start(store)
      const subscription = yield* pipeline.tail!.subscribe((r) => r.level === "ERROR")
      yield* bus.publish([makeRecord({ level: "INFO" }), makeRecord({ level: "ERROR", message: "boom" })])
      const { records, missed } = yield* subscription.next
      expect(records.map((r) => r.message)).toEqual(["boom"])
      expect(missed).toBe(0)
    })
  )

  effectTest("committed records are learned as patterns, which the pipeline writes to the pattern store when it stops", () =>
    Effect.gen(function* () {
      const store = makeRecordingStore()
      const { bus, patterns, stop } = yield* start(store)
      const at = Date.UTC(2026, 11, 7, 10, 0)
      yield* bus.publish([1, 2, 3].map((n) => makeRecord({ service: "db", level: "ERROR", timestamp: at, message: `connection lost after ${n}ms` })))
      yield* stop
      const [learned] = yield* patterns.totals({ from: at, to: at })
      expect(learned).toMatchObject({ service: "db", template: "connection lost after <DURATION>", count: 3 })
      expect(store.batches.flat().map((r) => r.id)).toContain(learned!.sampleId)
    })
  )
})
