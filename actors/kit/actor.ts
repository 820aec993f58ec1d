import { Cause, type Duration, Effect, Option, Queue, Schedule, type Scope } from "effect"
import { makeMailbox, type WhenFull } from "./mailbox.ts"
import type { ActorStats } from "../../src/ports/actor-registry.ts"
import { registerStats } from "./stats.ts"

/**
 * The actor kit: a supervised fiber that owns a bounded mailbox and handles its messages one
 * at a time. A defect in the behaviour restarts it after a capped exponential backoff; the
 * mailbox (and whatever state the behaviour keeps outside its loop) survives the restart.
 * When the actor's scope closes, the loop is interrupted and `drain` runs, within
 * `drainTimeout`, so that messages already accepted are still handled on shutdown.
 */

export interface ActorConfig {
  /** Unique name; used in logs and as a metric label. */
  readonly name: string
  /** The kind of actor (partition-consumer, batch-indexer, …); a metric label. */
  readonly kind: string
  /** Mailbox size in messages. Ignored when `mailbox` is given. */
  readonly capacity: number
  /** What sending to a full mailbox does. Default: `block`. */
  readonly whenFull?: WhenFull
  /** A mailbox owned by someone else (a bus partition); the actor consumes it but does not create it. */
  readonly mailbox?: Queue.Queue<any>
  /** Messages waiting, when they are kept outside `mailbox` (which then only wakes the actor); with `capacity`. */
  readonly depth?: () => number
  /** First restart delay after a defect; doubles on each further defect. Default: 100 ms. */
  readonly restartDelay?: Duration.DurationInput
  /** Upper bound on the restart delay. Default: 10 s. */
  readonly maxRestartDelay?: Duration.DurationInput
  /** After running this long without a defect, the next restart starts from `restartDelay` again. Default: 1 min. */
  readonly backoffResetAfter?: Duration.DurationInput
  /** How long shutdown waits for the drain before giving up. Default: 5 s. */
  readonly drainTimeout?: Duration.DurationInput
}

export interface Actor<M> {
  readonly name: string
  readonly stats: ActorStats
  /** Delivers a message. Suspends while a `block` mailbox is full; false when a drop policy discarded it. */
  readonly send: (message: M) => Effect.Effect<boolean>
  readonly mailbox: Queue.Queue<M>
}

export interface Behaviour<R> {
  /** The actor's loop; it runs until interrupted. Defects restart it. */
  readonly run: Effect.Effect<never, never, R>
  /** Handles what is left when the actor stops (remaining mailbox, pending batch). */
  readonly drain?: Effect.Effect<void, never, R>
}

export const spawn = <M, R>(
  config: ActorConfig,
  behaviour: (mailbox: Queue.Queue<M>, stats: ActorStats) => Behaviour<R>
): Effect.Effect<Actor<M>, never, R | Scope.Scope> =>
  Effect.gen(function* () {
    const whenFull = config.whenFull ?? "block"
    const mailbox: Queue.Queue<M> = config.mailbox ?? (yield* makeMailbox<M>(config.capacity, whenFull))
    const capacity = config.depth ? config.capacity : Queue.capacity(mailbox)
    const stats: ActorStats = {
      name: config.name,
      kind: config.kind,
      handled: 0,
      failures: 0,
      restarts: 0,
      dropped: 0,
      // The queue's size also counts suspended senders (positive) or takers (negative).
      depth:
        config.depth ??
        (() =>
          Math.min(
            capacity,
            Math.max(
              0,
              Option.getOrElse(mailbox.unsafeSize(), () => 0)
            )
          )),
      capacity
    }
    yield* registerStats(stats)
    const { run, drain } = behaviour(mailbox, stats)

    const backoff = Schedule.exponential(config.restartDelay ?? "100 millis").pipe(
      Schedule.union(Schedule.spaced(config.maxRestartDelay ?? "10 seconds")),
      Schedule.resetAfter(config.backoffResetAfter ?? "1 minute")
    )
    let started = false
    const supervised = Effect.suspend(() => {
      if (started) stats.restarts++
      started = true
      return run
    }).pipe(
      Effect.catchAllCause((cause) =>
        Cause.isInterruptedOnly(cause)
          ? Effect.failCause(cause)
          : Effect.logError("actor failed; restarting", cause).pipe(
              Effect.andThen(() => stats.failures++),
              Effect.andThen(Effect.fail(cause))
            )
      ),
      Effect.retry(backoff),
      Effect.annotateLogs({ actor: config.name, kind: config.kind })
    )

    // Finalizers run in reverse order: the loop is interrupted first, then the drain runs.
    if (drain) {
      yield* Effect.addFinalizer(() =>
        drain.pipe(
          Effect.timeoutOption(config.drainTimeout ?? "5 seconds"),
          Effect.flatMap((done) => (done._tag === "None" ? Effect.logWarning("drain deadline passed; messages left undelivered") : Effect.void)),
          Effect.catchAllCause((cause) => Effect.logError("drain failed", cause)),
          Effect.annotateLogs({ actor: config.name, kind: config.kind })
        )
      )
    }
    yield* Effect.forkScoped(supervised)

    const send = (message: M) =>
      Effect.suspend(() => {
        // A sliding mailbox accepts every message by evicting the oldest, so count that eviction here.
        if (whenFull === "dropOldest" && stats.depth() >= stats.capacity) stats.dropped++
        return Queue.offer(mailbox, message).pipe(
          Effect.tap((accepted) => {
            if (!accepted) stats.dropped++
          })
        )
      })

    return { name: config.name, stats, mailbox, send }
  })

/**
 * The common behaviour: take one message at a time and handle it. A handler failure is a defect
 * (the actor restarts); the message that caused it is not retried.
 */
export const handleEach =
  <M, R>(handle: (message: M) => Effect.Effect<void, never, R>) =>
  (mailbox: Queue.Queue<M>, stats: ActorStats): Behaviour<R> => ({
    run: Queue.take(mailbox).pipe(
      Effect.flatMap(handle),
      Effect.tap(() => Effect.sync(() => stats.handled++)),
      Effect.forever
    ),
    drain: Queue.takeAll(mailbox).pipe(
      Effect.flatMap((rest) => Effect.forEach(rest, (message) => handle(message).pipe(Effect.tap(() => Effect.sync(() => stats.handled++))), { discard: true }))
    )
  })
