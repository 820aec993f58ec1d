import { Duration, Effect, Layer, Option, Queue } from "effect"
import type { Config } from "../src/config.ts"
import type { Channel } from "../src/domain/alert-rule.ts"
import type { Notification } from "../src/domain/notification.ts"
import { NotificationLog } from "../src/ports/notification-log.ts"
import { NotificationSenders, type Sender } from "../src/ports/notification-senders.ts"
import { Notifiers } from "../src/ports/notifiers.ts"
import { Telemetry } from "../src/ports/telemetry.ts"
import { spawn } from "./kit/actor.ts"

/**
 * One notifier actor per channel. Evaluators hand it notifications without ever waiting: its
 * mailbox is bounded, and when full, a newer notification of a rule replaces that rule's oldest
 * pending one (it says the same, more recently); a rule with none pending displaces the oldest
 * notification of all, counted as dropped. A slow or failing channel therefore delays neither
 * evaluation nor the other channels. Each delivery is retried with exponential backoff while
 * the failure is transient, and every attempt is recorded.
 */

export interface NotifierSettings {
  readonly capacity: number
  readonly maxAttempts: number
  readonly retryBase: Duration.DurationInput
  /** Upper bound on one attempt, beyond the sender's own timeouts. */
  readonly attemptTimeout: Duration.DurationInput
}

export const spawnNotifier = (channel: Channel, sender: Sender, settings: NotifierSettings) =>
  Effect.gen(function* () {
    const log = yield* NotificationLog
    const telemetry = yield* Effect.serviceOption(Telemetry)
    const pending: Notification[] = []
    const wake = yield* Queue.sliding<void>(1)

    const attemptOnce = (n: Notification) =>
      Effect.promise(() => sender(n)).pipe(
        Effect.timeoutTo({
          duration: settings.attemptTimeout,
          onSuccess: (result) => result,
          onTimeout: () => ({ outcome: "failed" as const, http_status: null, error: "timed out", retryable: true })
        })
      )

    const deliver = (n: Notification) =>
      Effect.gen(function* () {
        for (let attempt = 1; ; attempt++) {
          const result = yield* attemptOnce(n)
          const last = attempt >= settings.maxAttempts || !result.retryable
          const outcome = result.outcome === "failed" && last ? "gave_up" : result.outcome
          if (Option.isSome(telemetry)) telemetry.value.alertNotifications.inc({ channel, outcome })
          yield* log
            .record({
              alert_id: n.alert.id,
              rule_id: n.rule.id,
              channel,
              event: n.event,
              attempt,
              outcome,
              http_status: result.http_status,
              error: result.error,
              attempted_at: new Date().toISOString()
            })
            .pipe(Effect.catchAll((e) => Effect.logWarning(`could not record a notification attempt: ${e.message}`)))
          if (outcome !== "failed") {
            if (outcome !== "delivered") yield* Effect.logWarning(`${channel} notification for rule ${n.rule.name} not delivered: ${result.error}`)
            return
          }
          yield* Effect.sleep(Duration.times(Duration.decode(settings.retryBase), 2 ** (attempt - 1)))
        }
      })

    const next = Effect.suspend(() => {
      const n = pending.shift()
      return n ? deliver(n) : Queue.take(wake)
    })
    const actor = yield* spawn<void, never>(
      { name: `notifier:${channel}`, kind: "notifier", capacity: settings.capacity, mailbox: wake, depth: () => pending.length },
      (_, stats) => ({
        run: Effect.forever(Effect.tap(next, () => Effect.sync(() => stats.handled++))),
        drain: Effect.suspend(() => Effect.forEach(pending.splice(0), deliver, { discard: true }))
      })
    )

    const send = (n: Notification) =>
      Effect.suspend(() => {
        if (pending.length >= settings.capacity) {
          actor.stats.dropped++
          const sameRule = pending.findIndex((p) => p.rule.id === n.rule.id)
          if (sameRule >= 0) pending[sameRule] = n
          else {
            pending.shift()
            pending.push(n)
          }
        } else pending.push(n)
        return Queue.offer(wake, undefined)
      }).pipe(Effect.asVoid)
    return { send, pending: () => pending.length }
  })

export const NotifiersLive = (config: Config) =>
  Layer.scoped(
    Notifiers,
    Effect.gen(function* () {
      const settings: NotifierSettings = {
        capacity: config.ALERT_NOTIFIER_MAILBOX,
        maxAttempts: config.ALERT_WEBHOOK_MAX_ATTEMPTS,
        retryBase: Duration.millis(config.ALERT_WEBHOOK_RETRY_BASE_MS),
        attemptTimeout: Duration.millis(config.ALERT_WEBHOOK_TIMEOUT_MS + 1_000)
      }
      const notifiers = new Map<Channel, { send: (n: Notification) => Effect.Effect<void> }>()
      for (const [channel, sender] of Object.entries(yield* NotificationSenders) as Array<[Channel, Sender]>) {
        notifiers.set(channel, yield* spawnNotifier(channel, sender, settings))
      }
      return Notifiers.of({
        send: (n) =>
          notifiers.get(n.rule.notification_channel)?.send(n) ??
          Effect.logWarning(`no ${n.rule.notification_channel} notifier is configured; notification for rule ${n.rule.name} not sent`)
      })
    })
  )
