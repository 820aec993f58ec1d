import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect } from "bun:test"
import { Clock, Effect, Layer, type Scope, TestClock, type TestServices } from "effect"
import { NotifiersLive } from "../../actors/notifier.ts"
import { Users, UsersLive } from "../../src/accounts/users.ts"
import { SqliteStoreLive } from "../../src/adapters/log-store/sqlite/store.ts"
import { PatternStoreLive } from "../../src/adapters/meta-store/pattern-store.ts"
import { MetaDatabaseLive } from "../../src/adapters/meta-store/sql-database.ts"
import { NotificationSendersLive } from "../../src/alerting/channels.ts"
import { RuleEvaluationLive } from "../../src/alerting/evaluate.ts"
import { NotificationLogLive } from "../../src/alerting/notification-log.ts"
import { RULE_DEFAULTS, type RuleFields, validateRule } from "../../src/alerting/rule-input.ts"
import { AlertRules, AlertRulesLive } from "../../src/alerting/rules.ts"
import { parseAllowList } from "../../src/alerting/ssrf-guard.ts"
import { TriggeredAlerts, TriggeredAlertsLive } from "../../src/alerting/triggered.ts"
import { loadConfig } from "../../src/config.ts"
import { PatternBook } from "../../src/domain/pattern-book.ts"
import { ulid } from "../../src/domain/ulid.ts"
import { ActorRegistry } from "../../src/ports/actor-registry.ts"
import { PatternStore } from "../../src/ports/pattern-store.ts"
import { RuleEvaluation } from "../../src/ports/rule-evaluation.ts"
import { effectTest } from "../support/effect.ts"
import { createTestDatabase, postgresAvailable } from "../support/postgres.ts"
import { makeRecord } from "../support/records.ts"
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.ts"

/**
 * Pattern alert rules on the alert engine's lifecycle, with TestClock: `new_pattern` fires once
 * for a template the baseline never saw and resolves when it becomes known; `pattern_spike`
 * fires when a known template's rate passes k× its baseline. Real metadata store (SQLite and
 * PostgreSQL), real pattern counts written by the learner's book, real webhook deliveries.
 */

const T0 = Date.parse("2026-12-07T08:00:00.000Z")
const MINUTE = 60_000

const dir = mkdtempSync(join(tmpdir(), "logflow-pattern-alerts-"))
let receiver: WebhookReceiver
const drops: Array<() => Promise<void>> = []
beforeAll(() => {
  receiver = startWebhookReceiver()
})
afterAll(async () => {
  receiver.stop()
  rmSync(dir, { recursive: true, force: true })
  await Promise.all(drops.map((drop) => drop()))
}, 30_000)

const config = loadConfig({ ALERT_WEBHOOK_ALLOWED_HOSTS: "127.0.0.1", DATA_DIR: dir })
let n = 0

const environment = (url: string) => {
  const repositories = Layer.mergeAll(AlertRulesLive, TriggeredAlertsLive, NotificationLogLive, UsersLive, PatternStoreLive).pipe(
    Layer.provideMerge(MetaDatabaseLive(url))
  )
  const store = SqliteStoreLive({ path: join(dir, `logs-${n++}.db`), synchronous: "NORMAL", countCap: 10_000 })
  const notifiers = NotifiersLive(config).pipe(Layer.provideMerge(NotificationSendersLive(config)), Layer.provideMerge(repositories))
  return Layer.mergeAll(
    RuleEvaluationLive({ flapThreshold: 100 }).pipe(Layer.provideMerge(Layer.merge(notifiers, store))),
    Layer.effect(ActorRegistry, ActorRegistry.make)
  )
}
type Env = Layer.Layer.Success<ReturnType<typeof environment>>

const eventually = <A>(read: () => A, done: (a: A) => boolean) =>
  Effect.promise(async () => {
    for (let i = 0; i < 250 && !done(read()); i++) await Bun.sleep(20)
    return read()
  })

const newBook = () =>
  new PatternBook({ similarity: 0.5, maxPerService: 100, maxServices: 10, maxChildren: 100, maxTokens: 64, maxPendingMinutes: 100_000, newId: () => ulid() })
/** Each test learns into a book of its own, written to its own metadata store. */
let book = newBook()

/** `count` records of a message at a minute, learned and written as the learner would. */
const learn = (count: number, at: number, message: string, level: "INFO" | "ERROR" = "ERROR") =>
  Effect.gen(function* () {
    book.learn(
      Array.from({ length: count }, (_, i) => makeRecord({ service: "billing", level, timestamp: at + i, message: message.replace("#", String(1000 + i)) }))
    )
    yield* Effect.flatMap(PatternStore, (store) => store.save(book.takeChanges()))
  })

const suite = (name: string, freshUrl: () => Promise<string>) =>
  describe(`pattern alerts: ${name}`, () => {
    const alertTest = (title: string, body: (path: string) => Effect.Effect<void, unknown, Env | Scope.Scope | TestServices.TestServices>) =>
      effectTest(title, () =>
        Effect.gen(function* () {
          const url = yield* Effect.promise(freshUrl)
          book = newBook()
          yield* TestClock.setTime(T0)
          yield* body(`/${title.replace(/\W+/g, "-")}-${Math.random().toString(36).slice(2, 8)}`).pipe(Effect.provide(environment(url)))
        })
      )

    const createRule = (path: string, fields: Partial<RuleFields>) =>
      Effect.gen(function* () {
        const users = yield* Users
        const user = yield* users.create({
          username: `u${ulid()}`,
          email: `${ulid()}@example.com`,
          full_name: null,
          password_hash: "$2b$hash",
          is_admin: false
        })
        const valid = yield* validateRule(
          {
            ...RULE_DEFAULTS,
            name: "New errors",
            condition: "new_pattern",
            threshold: 5,
            time_window: 5,
            levels: ["error"],
            services: ["billing"],
            notification_channel: "webhook",
            notification_config: { url: `${receiver.url}${path}` },
            cooldown: 0,
            ...fields
          },
          { allowList: parseAllowList("127.0.0.1"), emailConfigured: false, queryLimits: { maxTerms: 256, maxWildcards: 64 } },
          T0
        )
        return yield* Effect.flatMap(AlertRules, (rules) => rules.create(user.id, valid))
      })
    const evaluate = (ruleId: string) => Effect.flatMap(RuleEvaluation, (e) => e.evaluate(ruleId))
    const alertsOf = (ruleId: string) => Effect.flatMap(TriggeredAlerts, (alerts) => alerts.list({ ruleId, limit: 100, offset: 0 }))

    alertTest("new_pattern fires once for a template the baseline never saw, names it, and resolves once it is known", (path) =>
      Effect.gen(function* () {
        const rule = yield* createRule(path, { baseline: 60 })
        expect(rule.baseline).toBe(60)
        yield* learn(20, T0 - 30 * MINUTE, "Payment # declined by issuer")
        yield* learn(20, T0 - 1 * MINUTE, "Payment # declined by issuer") // known: not new
        yield* learn(3, T0 - 1 * MINUTE, "Ledger # out of balance") // new, but below the threshold
        yield* evaluate(rule.id)
        expect((yield* alertsOf(rule.id)).total).toBe(0)

        yield* learn(12, T0, "Disk quota exceeded on volume #")
        for (let i = 0; i < 3; i++) {
          yield* evaluate(rule.id)
          yield* TestClock.adjust("1 minute")
        }
        const [firing] = yield* eventually(
          () => receiver.received(path),
          (d) => d.length >= 1
        )
        expect(firing!.json).toMatchObject({
          event: "alert.firing",
          value: 12,
          alert: { pattern: { service: "billing", template: "Disk quota exceeded on volume <NUM>" } }
        })
        expect(firing!.json.summary).toContain('new pattern "Disk quota exceeded on volume <NUM>" (billing): 12 logs in 5 min')
        const logs = new URL(firing!.json.links.logs).searchParams
        expect([logs.get("query"), logs.get("service")]).toEqual(['service:"billing" "disk quota exceeded on volume"', "billing"])
        expect((yield* alertsOf(rule.id)).alerts[0]).toMatchObject({ status: "firing", notification_count: 1 })

        // Once the burst is older than the window, the template is in the baseline: known, the alert resolves.
        yield* TestClock.adjust("5 minutes")
        yield* evaluate(rule.id)
        expect((yield* alertsOf(rule.id)).alerts[0]).toMatchObject({ status: "resolved", resolution: "condition cleared" })
        const events = yield* eventually(
          () => receiver.received(path).map((d) => d.json.event),
          (e) => e.length >= 2
        )
        expect(new Set(events)).toEqual(new Set(["alert.firing", "alert.resolved"]))
      })
    )

    alertTest("pattern_spike fires when a known template's rate passes k× its baseline rate", (path) =>
      Effect.gen(function* () {
        const rule = yield* createRule(path, { name: "Spikes", condition: "pattern_spike", threshold: 3, baseline: 60, levels: [] })
        // One a minute for the hour before the window.
        for (let m = 5; m <= 64; m++) yield* learn(1, T0 - m * MINUTE, "Retrying upstream call #", "INFO")
        yield* learn(5, T0 - 2 * MINUTE, "Retrying upstream call #", "INFO")
        yield* evaluate(rule.id)
        expect((yield* alertsOf(rule.id)).total).toBe(0) // 1/min: no spike

        yield* learn(25, T0, "Retrying upstream call #", "INFO")
        yield* evaluate(rule.id)
        const [alert] = (yield* alertsOf(rule.id)).alerts
        expect(alert).toMatchObject({ status: "firing", value: 6, pattern: { template: "Retrying upstream call <NUM>" } })
        const now = yield* Clock.currentTimeMillis
        expect(alert!.triggered_at).toBe(new Date(now).toISOString())
      })
    )
  })

suite("SQLite metadata", async () => `sqlite://${join(dir, `meta-${n++}.db`)}`)
if (await postgresAvailable()) {
  suite("PostgreSQL metadata", async () => {
    const db = await createTestDatabase()
    drops.push(db.drop)
    return db.url
  })
}
