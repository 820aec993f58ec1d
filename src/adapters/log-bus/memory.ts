import { Deferred, Duration, Effect, FiberId, Layer, Queue, Stream } from "effect"
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
  Effect.gen(function* () {
    const queues = yield* Effect.forEach(Array.from({ length: config.partitions }), () =>
      Effect.acquireRelease(Queue.bounded<Delivery>(config.partitionCapacity), Queue.shutdown)
    )
    const retryAfterSeconds = Math.max(1, Math.ceil(Duration.toSeconds(config.enqueueTimeout)))

    const saturated = () => new PipelineSaturated({ retryAfterSeconds })

    /** Waits (bounded) for room in partitions that were full; a shut-down partition fails at once. */
    const enqueue = (waiting: ReadonlyArray<readonly [Queue.Queue<Delivery>, Delivery]>) =>
      Effect.forEach(
        waiting,
        ([queue, delivery]) => Queue.isShutdown(queue).pipe(Effect.flatMap((down) => (down ? new PipelineClosed() : Queue.offer(queue, delivery)))),
        { discard: true }
      ).pipe(Effect.timeoutFail({ duration: config.enqueueTimeout, onTimeout: saturated }))

    const publish = (records: ReadonlyArray<LogRecord>): Effect.Effect<void, IngestError> => {
      if (records.length === 0) return Effect.void
      return Effect.suspend(() => {
        const byPartition = new Map<number, LogRecord[]>()
        for (const record of records) {
          const p = partitionOf(record.service, config.partitions)
          let group = byPartition.get(p)
          if (!group) byPartition.set(p, (group = []))
          group.push(record)
        }
        // Per request, not per partition: one timer for the commit, and one for room only when
        // a partition is full. Most deliveries find room and are queued at once.
        const commits: Array<Deferred.Deferred<void, IngestError>> = []
        const waiting: Array<readonly [Queue.Queue<Delivery>, Delivery]> = []
        for (const [p, group] of byPartition) {
          const committed = Deferred.unsafeMake<void, IngestError>(FiberId.none)
          const delivery: Delivery = { records: group, ack: Deferred.succeed(committed, undefined), reject: (error) => Deferred.fail(committed, error) }
          commits.push(committed)
          if (!Queue.unsafeOffer(queues[p]!, delivery)) waiting.push([queues[p]!, delivery])
        }
        return (waiting.length === 0 ? Effect.void : enqueue(waiting)).pipe(
          Effect.andThen(
            Effect.forEach(commits, Deferred.await, { discard: true }).pipe(Effect.timeoutFail({ duration: config.commitTimeout, onTimeout: saturated }))
          )
        )
      })
    }

    return LogBus.of({
      publish,
      partitionCount: config.partitions,
      follow: () => Stream.never,
      health: Effect.succeed({ status: "healthy", details: { engine: "memory", partitions: config.partitions } }),
      assignments: Stream.fromIterable(queues.map((queue, partition) => ({ partition, queue, revoked: Effect.never })))
    })
  })

export const MemoryBusLive = (config: MemoryBusConfig) => Layer.scoped(LogBus, makeMemoryBus(config))
