import { Clock, type Duration, Effect, Layer, Queue, Schedule } from "effect"
import { type ExpiryRule, LogStore } from "../src/ports/log-store.ts"
import { RetentionRunner } from "../src/ports/retention-runner.ts"
import { Retention } from "../src/ports/retention-settings.ts"
import { spawn } from "./kit/actor.ts"

/**
 * Retention: on every tick (a timer, or a settings change) deletes the logs older than their
 * service's retention, in small batches, each its own short transaction on the store's writer,
 * so ingest keeps flowing between them. Mailbox of one, drop-newest: ticks that arrive while a
 * pass runs are redundant.
 */

export interface RetentionConfig {
  /** Time between passes. */
  readonly interval: Duration.DurationInput
  /** Records deleted per transaction. */
  readonly batchSize: number
}

const DAY = 86_400_000

export const makeRetention = (config: RetentionConfig) =>
  Effect.gen(function* () {
    const store = yield* LogStore
    const retention = yield* Retention

    const expireAll = (rule: ExpiryRule) =>
      Effect.gen(function* () {
        let total = 0
        for (;;) {
          const deleted = yield* store.expire(rule, config.batchSize)
          total += deleted
          if (deleted < config.batchSize) return total
        }
      })

    const pass = Effect.gen(function* () {
      const settings = yield* retention.get
      const now = yield* Clock.currentTimeMillis
      const overridden = Object.keys(settings.retention_by_service)
      let deleted = yield* expireAll({ cutoff: now - settings.retention_days * DAY, exceptServices: overridden })
      for (const [service, days] of Object.entries(settings.retention_by_service)) {
        deleted += yield* expireAll({ cutoff: now - days * DAY, services: [service] })
      }
      if (deleted > 0) yield* Effect.logInfo(`retention deleted ${deleted} expired logs`)
    }).pipe(
      // A failed pass (store or database briefly down) is retried at the next tick.
      Effect.catchAll((e) => Effect.logWarning(`retention pass failed: ${e.message}`))
    )

    // No drain: a pass left for shutdown would only delay it; the next start catches up.
    const actor = yield* spawn<"tick", never>({ name: "retention", kind: "retention", capacity: 1, whenFull: "dropNewest" }, (mailbox, stats) => ({
      run: Queue.take(mailbox).pipe(
        Effect.andThen(pass),
        Effect.andThen(() => stats.handled++),
        Effect.forever
      )
    }))
    yield* actor.send("tick").pipe(Effect.repeat(Schedule.spaced(config.interval)), Effect.forkScoped)
    return RetentionRunner.of({ runNow: actor.send("tick").pipe(Effect.asVoid) })
  })

export const RetentionRunnerLive = (config: RetentionConfig) => Layer.scoped(RetentionRunner, makeRetention(config))
