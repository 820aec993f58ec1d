import { type Duration, Clock, Effect, Option, Queue, Schedule } from "effect"
import type { LogRecord } from "../src/domain/log-record.ts"
import type { PatternBookOptions } from "../src/domain/pattern-book.ts"
import { PatternStore } from "../src/ports/pattern-store.ts"
import { Telemetry } from "../src/ports/telemetry.ts"
import { writeLogLine } from "../src/log-line.ts"
import { spawn, type Actor } from "./kit/actor.ts"
import { PatternThread } from "./pattern-thread.ts"

/**
 * Pattern learner: hears every committed batch and hands it to its own thread
 * (pattern-learner.worker.ts), which clusters the messages into templates per service
 * (src/domain/pattern-book.ts) and counts them per minute; every `flushInterval`, and once more
 * on stop, it takes what changed from the thread and writes it to the PatternStore (the
 * metadata store). It restores the stored templates when it starts, so a restart keeps
 * learning where it stopped. Off the hot path: the main thread only copies a batch's columns to
 * the thread; when `capacity` batches wait (in the mailbox, or in the thread), a new batch is
 * dropped and its records counted (`logflow_pattern_records_total{result="dropped"}`), so ingest
 * never waits for it. A failed write keeps its changes for the next one.
 */

export interface PatternLearnerConfig {
  /** Committed batches waiting (in the mailbox, and again in the thread), at most. */
  readonly capacity: number
  /** Time between writes to the pattern store. */
  readonly flushInterval: Duration.DurationInput
  /** Per-minute counts (and templates not seen) older than this are pruned at each write. */
  readonly historyMs: number
  readonly book: Omit<PatternBookOptions, "newId">
}

export const makePatternLearner = (config: PatternLearnerConfig) =>
  Effect.gen(function* () {
    const store = yield* PatternStore
    const telemetry = Option.getOrUndefined(yield* Effect.serviceOption(Telemetry))
    const counted = (result: string, n: number) => {
      if (n > 0) telemetry?.patternRecords.inc({ result }, n)
    }
    const thread = yield* Effect.acquireRelease(
      Effect.sync(
        () => new PatternThread(config.book, config.capacity, (error) => writeLogLine("ERROR", `pattern thread: ${error}`, { actor: "pattern-learner" }))
      ),
      (thread) => Effect.sync(() => thread.close())
    )
    const restored = yield* store.load.pipe(
      Effect.tap((rows) => Effect.sync(() => thread.restore(rows))),
      Effect.map((rows) => rows.length),
      // Without the stored templates it learns from scratch; their ids are new, their counts add up alike.
      Effect.catchAll((e) => Effect.logWarning(`patterns not restored: ${e.message}`).pipe(Effect.as(0)))
    )
    if (restored > 0) yield* Effect.logInfo(`restored ${restored} log patterns`)

    const learn = (records: ReadonlyArray<LogRecord>) =>
      Effect.sync(() => {
        if (!thread.learn(records)) counted("dropped", records.length)
      })

    const flush = Effect.gen(function* () {
      const taken = yield* Effect.tryPromise(() => thread.take()).pipe(Effect.option)
      if (Option.isNone(taken)) return
      const { changes, outcome } = taken.value
      counted("learned", outcome.learned)
      counted("service_cap", outcome.serviceCap)
      counted("pending_full", outcome.pendingFull)
      const now = yield* Clock.currentTimeMillis
      yield* store.save(changes).pipe(
        Effect.andThen(store.prune(now - config.historyMs)),
        Effect.catchAll((e) =>
          Effect.sync(() => thread.putBack(changes)).pipe(Effect.andThen(Effect.logWarning(`patterns not written; kept for the next try: ${e.message}`)))
        )
      )
    }).pipe(
      // A write under way finishes even when the timer fiber is interrupted on stop.
      Effect.uninterruptible,
      Effect.withSpan("PatternLearner.flush")
    )

    const actor = yield* spawn<ReadonlyArray<LogRecord>, never>(
      { name: "pattern-learner", kind: "pattern-learner", capacity: config.capacity, whenFull: "dropNewest" },
      (mailbox, stats) => ({
        run: Queue.take(mailbox).pipe(
          Effect.flatMap(learn),
          Effect.andThen(() => stats.handled++),
          Effect.forever
        ),
        drain: Queue.takeAll(mailbox).pipe(
          Effect.flatMap((rest) => Effect.forEach(rest, learn, { discard: true })),
          Effect.andThen(flush)
        )
      })
    )
    yield* flush.pipe(Effect.repeat(Schedule.spaced(config.flushInterval)), Effect.forkScoped)

    return {
      ...actor,
      send: (records: ReadonlyArray<LogRecord>) =>
        actor.send(records).pipe(
          Effect.tap((accepted) => {
            if (!accepted) counted("dropped", records.length)
          })
        )
    } satisfies Actor<ReadonlyArray<LogRecord>>
  })
