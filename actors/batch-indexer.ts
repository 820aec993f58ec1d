import { Cause, Clock, Deferred, Duration, Effect, Exit, FiberId, Option, Queue } from "effect"
import type { ActorStats } from "../src/ports/actor-registry.ts"
import { StoreUnavailable } from "../src/domain/errors.ts"
import type { LogRecord } from "../src/domain/log-record.ts"
import type { Delivery } from "../src/ports/log-bus.ts"
import { LogStore } from "../src/ports/log-store.ts"
import { spawn, type Actor } from "./kit/actor.ts"

/**
 * Batching indexer: collects deliveries until `batchSize` records or `flushInterval` since the
 * first one (a batch holds whole deliveries, up to about `batchSize` records), writes them to the LogStore in one call (one transaction / one _bulk), then acks
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

/**
 * The deliveries waiting for the next write. Kept outside the actor's loop, so a restart or a
 * shutdown never loses a batch in progress.
 */
const makePending = (mailbox: Queue.Queue<Delivery>, batchSize: number, flushIntervalMs: number) => {
  let pending: Delivery[] = []
  let records = 0
  const add = (deliveries: Iterable<Delivery>) => {
    for (const d of deliveries) {
      pending.push(d)
      records += d.records.length
    }
  }
  /** Waits for a first delivery, then takes more until `batchSize` records or `flushIntervalMs` since. */
  const collect = Effect.gen(function* () {
    if (pending.length === 0) add([yield* Queue.take(mailbox)])
    const deadline = (yield* Clock.currentTimeMillis) + flushIntervalMs
    while (records < batchSize) {
      add(yield* Queue.takeAll(mailbox))
      if (records >= batchSize) break
      const remaining = deadline - (yield* Clock.currentTimeMillis)
      if (remaining <= 0) break
      const next = yield* Queue.take(mailbox).pipe(Effect.timeoutOption(Duration.millis(remaining)))
      if (Option.isNone(next)) break
      add([next.value])
    }
  })
  /**
   * The deliveries pending, up to `batchSize` records (a delivery is never split, so the last
   * one may take a batch past it): after a slow write the mailbox may hold many times that,
   * and one huge `_bulk` is written on one thread of the store while smaller ones overlap.
   */
  const takeBatch = () => {
    let i = 0
    let taken = 0
    while (i < pending.length && taken < batchSize) taken += pending[i++]!.records.length
    const batch = i === pending.length ? pending : pending.slice(0, i)
    pending = i === pending.length ? [] : pending.slice(i)
    records -= taken
    return batch
  }
  return { add, collect, takeBatch, isEmpty: () => pending.length === 0 }
}

/**
 * Writes that overlap, up to `writesInFlight` (the next batch is written while the last one's
 * answer travels back), but whose outcomes are told in order: each waits for the one before.
 */
const makeOrderedWrites = (writesInFlight: number) => {
  const inFlight = Effect.unsafeMakeSemaphore(writesInFlight)
  let lastTold: Deferred.Deferred<void> | undefined
  const start = <E>(write: Effect.Effect<void, E>, tell: (exit: Exit.Exit<void, E>, latencyMs: number) => Effect.Effect<void>) =>
    Effect.suspend(() => {
      const before = lastTold
      const told = Deferred.unsafeMake<void>(FiberId.none)
      lastTold = told
      return inFlight.take(1).pipe(
        Effect.andThen(
          Effect.suspend(() => {
            const started = performance.now()
            return write.pipe(
              Effect.exit,
              Effect.flatMap((exit) => (before ? Deferred.await(before) : Effect.void).pipe(Effect.andThen(tell(exit, performance.now() - started)))),
              Effect.ensuring(inFlight.release(1).pipe(Effect.andThen(Deferred.succeed(told, undefined)))),
              Effect.uninterruptible,
              // Not a child of the loop: a write under way is answered even if the loop restarts or stops.
              Effect.forkDaemon
            )
          })
        ),
        Effect.asVoid
      )
    })
  /** Waits until every write started so far has been answered. */
  const settled = Effect.suspend(() => (lastTold ? Deferred.await(lastTold) : Effect.void))
  return { start, settled }
}

/** A written batch's outcome, told to its deliveries and, when committed, to the listeners. */
const tellOutcome =
  (config: BatchIndexerConfig, stats: ActorStats) =>
  (batch: ReadonlyArray<Delivery>, records: ReadonlyArray<LogRecord>, exit: Exit.Exit<void, StoreUnavailable>, latencyMs: number) =>
    Exit.match(exit, {
      onSuccess: () =>
        Effect.gen(function* () {
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

export const makeBatchIndexer = (config: BatchIndexerConfig) =>
  Effect.gen(function* () {
    const store = yield* LogStore
    return yield* spawn<Delivery, never>({ name: "batch-indexer", kind: "batch-indexer", capacity: config.capacity }, (mailbox, stats) => {
      const pending = makePending(mailbox, config.batchSize, Duration.toMillis(config.flushInterval))
      const writes = makeOrderedWrites(config.writesInFlight ?? 1)
      const tell = tellOutcome(config, stats)
      const flush = Effect.suspend(() => {
        const batch = pending.takeBatch()
        if (batch.length === 0) return Effect.void
        const records = batch.length === 1 ? batch[0]!.records : batch.flatMap((d) => d.records)
        const write = store
          .index(records)
          .pipe(Effect.withSpan("BatchIndexer.flush", { attributes: { "logflow.records": records.length, "logflow.deliveries": batch.length } }))
        return writes.start(write, (exit, latencyMs) => tell(batch, records, exit, latencyMs))
      })
      return {
        run: pending.collect.pipe(Effect.andThen(flush), Effect.forever),
        drain: Queue.takeAll(mailbox).pipe(
          Effect.flatMap((rest) => {
            pending.add(rest)
            return flush.pipe(Effect.repeat({ until: pending.isEmpty }))
          }),
          Effect.andThen(writes.settled)
        )
      }
    })
  })
