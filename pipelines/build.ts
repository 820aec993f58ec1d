import { Data, Duration, Effect, ExecutionStrategy, Exit, Layer, Option, Scope, Stream } from "effect"
import type { Actor } from "../actors/kit/actor.ts"
import { makeBatchIndexer } from "../actors/batch-indexer.ts"
import { makePartitionConsumer } from "../actors/partition-consumer.ts"
import { makePatternLearner } from "../actors/pattern-learner.ts"
import { makeTailHub, type TailHub } from "../actors/tail-hub.ts"
import type { Config } from "../src/config.ts"
import { writesInFlight } from "../src/adapters/log-store/settings.ts"
import { LEVELS, type Level, type LogRecord } from "../src/domain/log-record.ts"
import { FlushHistory } from "../src/domain/flush-history.ts"
import { LogBus, type Delivery } from "../src/ports/log-bus.ts"
import { Pipeline } from "../src/ports/pipeline.ts"
import type { TelemetryInstruments } from "../src/ports/telemetry.ts"
import { Telemetry } from "../src/ports/telemetry.ts"
import type { Stage } from "./topology.ts"

type Built =
  | { readonly kind: "batch-indexer"; readonly actor: Actor<Delivery> }
  | { readonly kind: "tail-hub"; readonly hub: TailHub }
  | { readonly kind: "partition-consumers" }
  | { readonly kind: "bus-follower" }
  /** Without an actor where PATTERNS_ENABLED is false. */
  | { readonly kind: "pattern-learner"; readonly actor: Actor<ReadonlyArray<LogRecord>> | undefined }

class TopologyError extends Data.TaggedError("TopologyError")<{ readonly message: string }> {}

const LEVEL_INDEX = Object.fromEntries(LEVELS.map((level, i) => [level, i])) as Record<Level, number>

/** What each committed batch is told to: the flush history, and the indexing metrics. */
const recordFlush = (flushes: FlushHistory, t: TelemetryInstruments | undefined) => (records: ReadonlyArray<LogRecord>, latencyMs: number) => {
  flushes.record(Date.now(), records.length, latencyMs)
  if (t === undefined) return
  t.batchSize.observe(records.length)
  t.indexingDuration.observe(latencyMs / 1000)
  // Per record this runs on the ingest path: count into small arrays, no string keys.
  const counts = new Map<string, number[]>()
  for (const r of records) {
    let perLevel = counts.get(r.service)
    if (!perLevel) counts.set(r.service, (perLevel = LEVELS.map(() => 0)))
    perLevel[LEVEL_INDEX[r.level]]!++
  }
  for (const [service, perLevel] of counts) {
    perLevel.forEach((n, i) => {
      if (n > 0) t.logsIndexed.inc({ service, level: LEVELS[i]! }, n)
    })
  }
}

/** The pattern learner's settings (PATTERNS_*). */
const patternLearnerConfig = (config: Config) => ({
  capacity: config.PATTERNS_MAILBOX,
  flushInterval: Duration.millis(config.PATTERNS_FLUSH_MS),
  historyMs: config.PATTERNS_HISTORY_HOURS * 3_600_000,
  book: {
    similarity: config.PATTERNS_SIMILARITY,
    maxPerService: config.PATTERNS_MAX_PER_SERVICE,
    maxServices: config.PATTERNS_MAX_SERVICES,
    maxChildren: 100,
    maxTokens: config.PATTERNS_MAX_TOKENS,
    maxPendingMinutes: config.PATTERNS_PENDING_MINUTES,
    shapeCache: config.PATTERNS_SHAPE_CACHE
  }
})

/** Builds stages sinks first, so each stage finds the actors it feeds already running. */
export const buildPipeline = (stages: ReadonlyArray<Stage>, config: Config) =>
  Effect.gen(function* () {
    const built = new Map<string, Built>()
    const flushes = new FlushHistory()
    const telemetry = yield* Effect.serviceOption(Telemetry)
    const onFlush = recordFlush(flushes, Option.getOrUndefined(telemetry))
    const outputsOf = (stage: Stage) =>
      stage.outputs.map((id) => {
        const target = built.get(id)
        if (!target) throw new TopologyError({ message: `stage '${stage.id}' outputs to '${id}', which is not declared after it` })
        return target
      })
    const committedListeners = (stage: Stage): Array<Actor<ReadonlyArray<LogRecord>>> =>
      outputsOf(stage).flatMap((target) => {
        if (target.kind === "tail-hub") return [target.hub.actor]
        if (target.kind === "pattern-learner") return target.actor ? [target.actor] : []
        throw new TopologyError({ message: `'${stage.id}' can only feed committed-batch listeners` })
      })

    for (const stage of [...stages].reverse()) {
      switch (stage.kind) {
        case "tail-hub":
          built.set(stage.id, {
            kind: "tail-hub",
            hub: yield* makeTailHub({
              capacity: config.TAIL_HUB_CAPACITY,
              subscriberBuffer: config.TAIL_SUBSCRIBER_BUFFER,
              subscriberBufferBytes: config.TAIL_SUBSCRIBER_BUFFER_BYTES
            })
          })
          break
        case "pattern-learner":
          built.set(stage.id, { kind: "pattern-learner", actor: config.PATTERNS_ENABLED ? yield* makePatternLearner(patternLearnerConfig(config)) : undefined })
          break
        case "batch-indexer":
          built.set(stage.id, {
            kind: "batch-indexer",
            actor: yield* makeBatchIndexer({
              batchSize: config.INDEXER_BATCH_SIZE,
              flushInterval: Duration.millis(config.INDEXER_FLUSH_MS),
              capacity: config.INDEXER_MAILBOX,
              writesInFlight: writesInFlight(config),
              committed: committedListeners(stage),
              onFlush
            })
          })
          break
        case "bus-follower": {
          const listeners = committedListeners(stage)
          const hub = outputsOf(stage).find((target) => target.kind === "tail-hub")
          const bus = yield* LogBus
          // Read the bus only while someone tails: following costs every record of the topic.
          yield* bus.follow(hub?.kind === "tail-hub" ? hub.hub.watched : Stream.make(true)).pipe(
            Stream.runForEach((records) => Effect.forEach(listeners, (l) => l.send(records), { discard: true })),
            Effect.forkScoped
          )
          built.set(stage.id, { kind: "bus-follower" })
          break
        }
        case "partition-consumers": {
          const [indexer] = outputsOf(stage)
          if (stage.outputs.length !== 1 || indexer?.kind !== "batch-indexer") {
            throw new TopologyError({ message: `'${stage.id}' must output to exactly one batch-indexer` })
          }
          yield* startConsumers(indexer.actor)
          built.set(stage.id, { kind: "partition-consumers" })
          break
        }
      }
    }
    const tail = [...built.values()].find((b) => b.kind === "tail-hub")
    return Pipeline.of({ tail: tail?.kind === "tail-hub" ? tail.hub : undefined, flushes })
  })

/**
 * One consumer actor per assigned partition, each in its own scope that closes when the
 * partition is revoked (Kafka rebalance) or the pipeline stops, draining into the indexer.
 */
const startConsumers = (indexer: Actor<Delivery>) =>
  Effect.gen(function* () {
    const bus = yield* LogBus
    const pipelineScope = yield* Effect.scope
    yield* bus.assignments.pipe(
      Stream.runForEach((assignment) =>
        Effect.gen(function* () {
          const scope = yield* Scope.fork(pipelineScope, ExecutionStrategy.sequential)
          yield* makePartitionConsumer({ assignment, indexer }).pipe(Scope.extend(scope))
          yield* assignment.revoked.pipe(Effect.andThen(Scope.close(scope, Exit.void)), Effect.forkIn(pipelineScope))
        })
      ),
      Effect.forkScoped
    )
  })

export const PipelineLive = (stages: ReadonlyArray<Stage>, config: Config) => Layer.scoped(Pipeline, buildPipeline(stages, config))
