import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, expect, test } from "bun:test"
import { Effect, Layer } from "effect"
import { spawnNotifier } from "../../../actors/notifier.ts"
import { Users, UsersLive } from "../../../src/accounts/users.ts"
import { MetaDatabaseLive } from "../../../src/adapters/meta-store/sql-database.ts"
import { makeSenders } from "../../../src/alerting/channels.ts"
import { NotificationLog } from "../../../src/ports/notification-log.ts"
import { NotificationLogLive } from "../../../src/alerting/notification-log.ts"
import { RULE_DEFAULTS } from "../../../src/alerting/rule-input.ts"
import { AlertRules, AlertRulesLive } from "../../../src/alerting/rules.ts"
import { TriggeredAlerts, TriggeredAlertsLive } from "../../../src/alerting/triggered.ts"
import { loadConfig } from "../../../src/config.ts"
import { startWebhookReceiver } from "../../support/webhook-receiver.ts"

const dir = mkdtempSync(join(tmpdir(), "logflow-notifier-"))
const receiver = startWebhookReceiver()
afterAll(() => {
  receiver.stop()
  rmSync(dir, { recursive: true, force: true })
})

test("a full notifier replaces a rule's pending notification with its newer one, and evaluators never wait", async () => {
  const config = loadConfig({ ALERT_WEBHOOK_ALLOWED_HOSTS: "127.0.0.1", ALERT_WEBHOOK_TIMEOUT_MS: "500", DATA_DIR: dir })
  const layer = Layer.mergeAll(UsersLive, AlertRulesLive, TriggeredAlertsLive, NotificationLogLive).pipe(
    Layer.provideMerge(MetaDatabaseLive(`sqlite://${join(dir, "meta.db")}`))
  )
  receiver.hang("/a")

  await Effect.runPromise(
    Effect.gen(function* () {
      const owner = yield* Effect.flatMap(Users, (u) =>
        u.create({ username: "owner", email: "o@example.com", full_name: null, password_hash: "x", is_admin: false })
      )
      const ruleFor = (name: string, path: string) =>
        Effect.flatMap(AlertRules, (rules) =>
          rules.create(owner.id, {
            ...RULE_DEFAULTS,
            name,
            condition: "greater_than",
            threshold: 1,
            time_window: 5,
            notification_channel: "webhook",
            notification_config: { url: `${receiver.url}${path}` }
          })
        )
      const [a, b] = [yield* ruleFor("A", "/a"), yield* ruleFor("B", "/b")]
      const observation = { value: 2, sampleLogIds: [], at: new Date().toISOString() }
      const [alertA, alertB] = [
        yield* Effect.flatMap(TriggeredAlerts, (t) => t.open(a, observation)),
        yield* Effect.flatMap(TriggeredAlerts, (t) => t.open(b, observation))
      ]

      const notifier = yield* spawnNotifier("webhook", makeSenders(config).webhook!, {
        capacity: 2,
        maxAttempts: 1,
        retryBase: "10 millis",
        attemptTimeout: "2 seconds"
      })
      const at = new Date().toISOString()
      yield* notifier.send({ event: "firing", rule: a, alert: alertA, at })
      // Once the first delivery is under way (and hangs), these queue up behind it without blocking
      // the sender: they are all accepted while that attempt has not ended (nothing is logged yet).
      yield* Effect.promise(async () => {
        for (let i = 0; i < 200 && receiver.received("/a").length === 0; i++) await Bun.sleep(10)
      })
      expect(receiver.received("/a")).toHaveLength(1)
      yield* notifier.send({ event: "repeat", rule: a, alert: alertA, at })
      yield* notifier.send({ event: "firing", rule: b, alert: alertB, at })
      yield* notifier.send({ event: "resolved", rule: a, alert: alertA, at }) // full: replaces A's pending "repeat"
      expect(yield* Effect.flatMap(NotificationLog, (log) => log.forAlert(alertA.id))).toEqual([])
      expect(notifier.pending()).toBe(2)

      yield* Effect.promise(async () => {
        for (let i = 0; i < 100 && receiver.received("/b").length === 0; i++) await Bun.sleep(50)
      })
      expect(receiver.received("/a").map((d) => d.json.event)).toEqual(["alert.firing", "alert.resolved"])
      expect(receiver.received("/b").map((d) => d.json.event)).toEqual(["alert.firing"])
      const attempts = yield* Effect.flatMap(NotificationLog, (log) => log.forAlert(alertA.id))
      expect(attempts.map((x) => [x.event, x.outcome, x.error])).toEqual([
        ["firing", "gave_up", "timed out"],
        ["resolved", "gave_up", "timed out"]
      ])
    }).pipe(Effect.provide(layer), Effect.scoped)
  )
})
