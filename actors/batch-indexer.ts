import { Cause, Clock, Deferred, Duration, Effect, Exit, FiberId, Option, Queue } from "effect"
import { StoreUnavailable } from "../src/domain/errors.ts"
import type { LogRecord } from "../src/domain/log-record.ts"
import type { Delivery } from "../src/ports/log-bus.ts"
import { LogStore } from "../src/ports/log-store.ts"
import { spawn, type Actor } from "./kit/actor.ts"

/**
 * Batching indexer: collects deliveries until `batchSize` records or `flushInterval` since the
 * first one, writes them to the LogStore in one call (one transaction / one _bulk), then acks
 * every delivery and passes the committed records on. It collects the next batch while one is
 * being written (up to `writesInFlight` writes at once), and answers them in order. A failed
 * write rejects the deliveries, so their publishers see an error instead of a false
 * acknowledgement. Full mailbox: senders block (backpressure). On shutdown it flushes what it
 * holds and what is still queued.
 */


export interface BatchIndexerConfig {
  /** Flush once this many records are pending. */
  readonly batchSize: number
  /** Flush this long after the first pending record arrived, however few are pending. */
  readonly flushInterval: Duration.DurationInput
  /** Mailbox size in deliveries. */
  readonly capacity: number
  /** Who hears about committed records (tail hub, …); they must never block. */
  readonly committed: ReadonlyArray<Actor<ReadonlyArray<LogRecord>>>
  /** Told of every committed batch and how long its write took (statistics, metrics). */
  readonly onFlush: (records: ReadonlyArray<LogRecord>, latencyMs: number) => void
  /** Batches being written at once (their outcomes are still told in order). Default: 1. */
  readonly writesInFlight?: number
}

export const makeBatchIndexer = (config: BatchIndexerConfig) =>
  Effect.gen(function*() {
    const store = yield* LogStore
    const flushIntervalMs = Duration.toMillis(config.flushInterval)

    return yield* spawn<Delivery, never>({ name: "batch-indexer", kind: "batch-indexer", capacity: config.capacity }, (mailbox, stats) => {
      // Kept outside the loop so a restart or a shutdown never loses a batch in progress.
      let pending: Delivery[] = []
      let pendingRecords = 0
      const add = (deliveries: Iterable<Delivery>) => {
        for (const d of deliveries) {
          pending.push(d)
          pendingRecords += d.records.length
        }
      }

      // Writes overlap, up to `writesInFlight` (the next batch is written while the last one's
      // answer travels back), but their outcomes are told in order: each waits for the one before.
      const inFlight = Effect.unsafeMakeSemaphore(config.writesInFlight ?? 1)
      let lastTold: Deferred.Deferred<void> | undefined

      const tell = (batch: ReadonlyArray<Delivery>, records: ReadonlyArray<LogRecord>, exit: Exit.Exit<void, StoreUnavailable>, latencyMs: number) =>
        Exit.match(exit, {
          onSuccess: () =>
            Effect.gen(function*() {
              config.onFlush(records, latencyMs)
              for (const d of batch) yield* d.ack
              stats.handled += batch.length
              for (const listener of config.committed) yield* listener.send(records)
            }),
          onFailure: (cause) => {
            const error = Option.getOrElse(Cause.failureOption(cause), () => new StoreUnavailable({ reason: "unexpected failure" }))
            return Effect.logError("batch not stored; publishers told", cause).pipe(
              Effect.andThen(Effect.forEach(batch, (d) => d.reject(error), { discard: true })),
              Effect.andThen(() => stats.failures++)
            )
          }
        })

      const flush = Effect.suspend(() => {
        const batch = pending
        pending = []
        pendingRecords = 0
        if (batch.length === 0) return Effect.void
        const records = batch.length === 1 ? batch[0]!.records : batch.flatMap((d) => d.records)
        const before = lastTold
        const told = Deferred.unsafeMake<void>(FiberId.none)
        lastTold = told
        return inFlight.take(1).pipe(
          Effect.andThen(Effect.suspend(() => {
            const started = performance.now()
            return store.index(records).pipe(
              Effect.withSpan("BatchIndexer.flush", { attributes: { "logflow.records": records.length, "logflow.deliveries": batch.length } }),
              Effect.exit,
              Effect.flatMap((exit) => {
                const latencyMs = performance.now() - started
                return (before ? Deferred.await(before) : Effect.void).pipe(Effect.andThen(tell(batch, records, exit, latencyMs)))
              }),
              Effect.ensuring(inFlight.release(1).pipe(Effect.andThen(Deferred.succeed(told, undefined)))),
              Effect.uninterruptible,
              // Not a child of the loop: a write under way is answered even if the loop restarts or stops.
              Effect.forkDaemon
            )
          })),
          Effect.asVoid
        )
      })

      /** Waits until every write started so far has been answered. */
      const settled = Effect.suspend(() => lastTold ? Deferred.await(lastTold) : Effect.void)

      const collect = Effect.gen(function*() {
        if (pending.length === 0) add([yield* Queue.take(mailbox)])
        const deadline = (yield* Clock.currentTimeMillis) + flushIntervalMs
        while (pendingRecords < config.batchSize) {
          add(yield* Queue.takeAll(mailbox))
          if (pendingRecords >= config.batchSize) break
          const remaining = deadline - (yield* Clock.currentTimeMillis)
          if (remaining <= 0) break
          const next = yield* Queue.take(mailbox).pipe(Effect.timeoutOption(Duration.millis(remaining)))
          if (Option.isNone(next)) break
          add([next.value])
        }
      })

      return {
        run: collect.pipe(Effect.andThen(flush), Effect.forever),
        drain: Queue.takeAll(mailbox).pipe(
          Effect.flatMap((rest) => {
            add(rest)
            return flush
          }),
          Effect.andThen(settled)
        )
      }
    })
  })
