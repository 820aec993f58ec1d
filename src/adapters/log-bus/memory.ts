import { Deferred, Duration, Effect, Layer, Queue, Stream } from "effect"
import { PipelineClosed, PipelineSaturated, type IngestError } from "../../domain/errors.ts"
import type { LogRecord } from "../../domain/log-record.ts"
import { LogBus, partitionOf, type Delivery } from "../../ports/log-bus.ts"

/**
 * The embedded LogBus: P bounded in-process queues. `publish` splits records by partition,
 * waits (bounded) for room in each, then waits until the indexer has committed them, so an
 * HTTP 2xx means the records are in the store.
 */

export interface MemoryBusConfig {
  /** Number of partitions (consumer actors). */
  readonly partitions: number
  /** Deliveries (request-sized chunks) each partition holds before publishers wait. */
  readonly partitionCapacity: number
  /** How long a publisher waits for room before PipelineSaturated (HTTP 503 + Retry-After). */
  readonly enqueueTimeout: Duration.DurationInput
  /** How long a publisher waits for the commit once its records are queued. */
  readonly commitTimeout: Duration.DurationInput
}

export const makeMemoryBus = (config: MemoryBusConfig) =>
  Effect.gen(function*() {
    const queues = yield* Effect.forEach(
      Array.from({ length: config.partitions }),
      () => Effect.acquireRelease(Queue.bounded<Delivery>(config.partitionCapacity), Queue.shutdown)
    )
    const retryAfterSeconds = Math.max(1, Math.ceil(Duration.toSeconds(config.enqueueTimeout)))

    const publishToPartition = (partition: number, records: ReadonlyArray<LogRecord>) =>
      Effect.gen(function*() {
        const committed = yield* Deferred.make<void, IngestError>()
        const delivery: Delivery = {
          records,
          ack: Deferred.succeed(committed, undefined),
          reject: (error) => Deferred.fail(committed, error)
        }
        const queue = queues[partition]!
        if (yield* Queue.isShutdown(queue)) return yield* new PipelineClosed()
        yield* Queue.offer(queue, delivery).pipe(
          Effect.timeoutFail({ duration: config.enqueueTimeout, onTimeout: () => new PipelineSaturated({ retryAfterSeconds }) })
        )
        yield* Deferred.await(committed).pipe(
          Effect.timeoutFail({ duration: config.commitTimeout, onTimeout: () => new PipelineSaturated({ retryAfterSeconds }) })
        )
      })

    const publish = (records: ReadonlyArray<LogRecord>): Effect.Effect<void, IngestError> => {
      if (records.length === 0) return Effect.void
      const byPartition = new Map<number, LogRecord[]>()
      for (const record of records) {
        const p = partitionOf(record.service, config.partitions)
        let group = byPartition.get(p)
        if (!group) byPartition.set(p, group = [])
        group.push(record)
      }
      return Effect.forEach(byPartition, ([p, group]) => publishToPartition(p, group), { concurrency: "unbounded", discard: true })
    }

    return LogBus.of({
      publish,
      partitionCount: config.partitions,
      follow: Stream.never,
      health: Effect.succeed({ status: "healthy", details: { engine: "memory", partitions: config.partitions } }),
      assignments: Stream.fromIterable(queues.map((queue, partition) => ({ partition, queue, revoked: Effect.never })))
    })
  })

export const MemoryBusLive = (config: MemoryBusConfig) => Layer.scoped(LogBus, makeMemoryBus(config))
