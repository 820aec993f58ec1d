import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect } from "bun:test"
import { Clock, Context, Effect, Layer, Option, type Scope, TestClock, type TestServices } from "effect"
import { AlertEngine } from "../../src/ports/alert-engine.ts"
import { AlertEngineLive } from "../../actors/alert-engine.ts"
import { NotifiersLive } from "../../actors/notifier.ts"
import { ActorRegistry } from "../../src/ports/actor-registry.ts"
import { Users, UsersLive } from "../../src/accounts/users.ts"
import { SqliteStoreLive } from "../../src/adapters/log-store/sqlite/store.ts"
import { MetaDatabaseLive } from "../../src/adapters/meta-store/sql-database.ts"
import { PatternStoreLive } from "../../src/adapters/meta-store/pattern-store.ts"
import { NotificationSendersLive } from "../../src/alerting/channels.ts"
import { RuleEvaluationLive } from "../../src/alerting/evaluate.ts"
import { RuleEvaluation } from "../../src/ports/rule-evaluation.ts"
import { LeaderLease } from "../../src/ports/leader-lease.ts"
import { LeaderLeaseLive } from "../../src/adapters/meta-store/leader-lease.ts"
import { NotificationLog } from "../../src/ports/notification-log.ts"
import { NotificationLogLive } from "../../src/alerting/notification-log.ts"
import { signature } from "../../src/alerting/notification.ts"
import { RULE_DEFAULTS, type RuleFields, validateRule } from "../../src/alerting/rule-input.ts"
import { AlertRules, AlertRulesLive } from "../../src/alerting/rules.ts"
import { parseAllowList } from "../../src/alerting/ssrf-guard.ts"
import { TriggeredAlerts, TriggeredAlertsLive } from "../../src/alerting/triggered.ts"
import { loadConfig } from "../../src/config.ts"
import { LogStore } from "../../src/ports/log-store.ts"
import { effectTest, waitUntil } from "../support/effect.ts"
import { makeRecord } from "../support/records.ts"
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.ts"

/**
 * The alert engine's behaviour on one metadata engine, with time driven by TestClock: real
 * SQLite log store, real metadata database, real HTTP deliveries to a local receiver.
 */

const T0 = Date.parse("2026-11-30T08:00:00.000Z")
const MINUTE = 60_000
const FLAP_THRESHOLD = 2

/** Polls in real time (deliveries are real I/O) for up to 5 s. */
const eventually = <A>(read: () => A, done: (a: A) => boolean) =>
  Effect.promise(async () => {
    for (let i = 0; i < 250 && !done(read()); i++) await Bun.sleep(20)
    return read()
  })

export const alertingContract = (name: string, freshUrl: () => Promise<string>) =>
  describe(`alerting: ${name}`, () => {
    let receiver: WebhookReceiver
    const dir = mkdtempSync(join(tmpdir(), "logflow-alerting-"))
    beforeAll(() => {
      receiver = startWebhookReceiver()
    })
    afterAll(() => {
      receiver.stop()
      rmSync(dir, { recursive: true, force: true })
    })
    let n = 0
    const config = loadConfig({ ALERT_WEBHOOK_ALLOWED_HOSTS: "127.0.0.1", DATA_DIR: dir })

    const environment = (url: string) => {
      const repositories = Layer.mergeAll(AlertRulesLive, TriggeredAlertsLive, NotificationLogLive, LeaderLeaseLive, UsersLive, PatternStoreLive).pipe(
        Layer.provideMerge(MetaDatabaseLive(url))
      )
      // Reads on a reader thread, as the server runs them: evaluations wait for a thread, not for TestClock.
      const store = SqliteStoreLive({ path: join(dir, `logs-${n++}.db`), synchronous: "NORMAL", countCap: 10_000, readers: { threads: 1, queue: 16 } })
      const notifiers = NotifiersLive(config).pipe(Layer.provideMerge(NotificationSendersLive(config)), Layer.provideMerge(repositories))
      return Layer.mergeAll(
        RuleEvaluationLive({ flapThreshold: FLAP_THRESHOLD }).pipe(Layer.provideMerge(Layer.merge(notifiers, store))),
        Layer.effect(ActorRegistry, ActorRegistry.make)
      )
    }
    type Env = Layer.Layer.Success<ReturnType<typeof environment>>

    /** Runs a test body against fresh stores, with TestClock at T0. */
    const alertTest = (title: string, body: (path: string) => Effect.Effect<void, unknown, Env | Scope.Scope | TestServices.TestServices>) =>
      effectTest(title, () =>
        Effect.gen(function* () {
          const url = yield* Effect.promise(freshUrl)
          // Unique per run: a receiver port can be reused by the next suite.
          const path = `/${title.replace(/\W+/g, "-")}-${Math.random().toString(36).slice(2, 8)}`
          yield* TestClock.setTime(T0)
          yield* body(path).pipe(Effect.provide(environment(url)))
        })
      )

    const owner = Effect.flatMap(Users, (users) =>
      users
        .byUsername("owner")
        .pipe(
          Effect.flatMap((found) =>
            Option.isSome(found)
              ? Effect.succeed(found.value)
              : users.create({ username: "owner", email: "owner@example.com", full_name: null, password_hash: "$2b$hash", is_admin: false })
          )
        )
    )

    const createRule = (path: string, fields: Partial<RuleFields>) =>
      Effect.gen(function* () {
        const user = yield* owner
        const valid = yield* validateRule(
          {
            ...RULE_DEFAULTS,
            name: "Payment errors",
            condition: "greater_than",
            threshold: 3,
            time_window: 5,
            levels: ["error"],
            services: ["payment"],
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

    const index = (count: number, at: number, overrides: Parameters<typeof makeRecord>[0] = {}) =>
      Effect.flatMap(LogStore, (store) =>
        store.index(
          Array.from({ length: count }, () => makeRecord({ service: "payment", level: "ERROR", message: "card declined", timestamp: at, ...overrides }))
        )
      )

    const evaluate = (ruleId: string) => Effect.flatMap(RuleEvaluation, (evaluation) => evaluation.evaluate(ruleId))
    const alertsOf = (ruleId: string) => Effect.flatMap(TriggeredAlerts, (alerts) => alerts.list({ ruleId, limit: 100, offset: 0 }))
    const ruleOf = (ruleId: string) => Effect.flatMap(AlertRules, (rules) => rules.byId(ruleId)).pipe(Effect.map(Option.getOrThrow))
    /**
     * The events delivered, once each: delivery is at least once (an attempt that times out on
     * a busy machine is retried though it may have arrived), and a retry carries the same
     * X-LogFlow-Delivery id, which is how a receiver tells it apart.
     */
    const events = (path: string) => {
      const seen = new Set<string>()
      return receiver
        .received(path)
        .filter((r) => {
          const id = r.headers.get("x-logflow-delivery")!
          return !seen.has(id) && seen.add(id)
        })
        .map((r) => r.json.event)
    }

    /**
     * Waits until everything the webhook notifier was handed so far has been delivered, instead
     * of sleeping before asserting that nothing more was sent: the notifier delivers in order,
     * so once a sentinel rule's firing, queued last, has arrived, nothing queued before it is
     * still on its way.
     */
    const allDelivered = (path: string) =>
      Effect.gen(function* () {
        const service = `sentinel-${path.slice(1)}`
        const sentinel = yield* createRule(`${path}-sentinel`, { name: "Sentinel", services: [service], levels: [], threshold: 0 })
        yield* index(1, (yield* Clock.currentTimeMillis) - 1_000, { service })
        yield* evaluate(sentinel.id)
        const arrived = yield* eventually(
          () => receiver.received(`${path}-sentinel`),
          (d) => d.length > 0
        )
        expect(arrived.length).toBeGreaterThan(0)
      })

    alertTest("a burst fires once with a signed webhook, counts over the sliding window, and resolves when it leaves the window", (path) =>
      Effect.gen(function* () {
        const rule = yield* createRule(path, {})
        yield* index(5, T0 - MINUTE)
        yield* index(4, T0 - 10 * MINUTE) // outside the 5-minute window
        yield* index(4, T0 - MINUTE, { service: "auth" }) // another service
        yield* evaluate(rule.id)

        const [delivery] = yield* eventually(
          () => receiver.received(path),
          (r) => r.length >= 1
        )
        expect(delivery!.headers.get("x-logflow-signature")).toBe(signature(delivery!.body, rule.webhook_secret!))
        expect(delivery!.json).toMatchObject({ event: "alert.firing", value: 5, rule: { id: rule.id, name: "Payment errors", threshold: 3 } })
        expect(delivery!.json.alert.sample_log_ids).toHaveLength(5)
        expect(delivery!.json.links.logs).toContain("/api/v1/logs/search?")

        let page = yield* alertsOf(rule.id)
        expect(page.total).toBe(1)
        expect(page.alerts[0]).toMatchObject({
          status: "firing",
          value: 5,
          threshold: 3,
          time_window: 5,
          first_seen_at: new Date(T0).toISOString(),
          notification_count: 1
        })

        yield* TestClock.adjust("1 minute")
        yield* evaluate(rule.id)
        page = yield* alertsOf(rule.id)
        expect(page.total).toBe(1)
        expect(page.alerts[0]).toMatchObject({ status: "firing", last_seen_at: new Date(T0 + MINUTE).toISOString() })

        // The burst at T0-1m leaves the window [now-5m, now] once now passes T0+4m.
        yield* TestClock.adjust("4 minutes")
        yield* evaluate(rule.id)
        page = yield* alertsOf(rule.id)
        expect(page.alerts[0]).toMatchObject({ status: "resolved", resolved_by: null, resolution: "condition cleared" })
        expect(
          yield* eventually(
            () => events(path),
            (e) => e.length >= 2
          )
        ).toEqual(["alert.firing", "alert.resolved"])

        const stats = yield* ruleOf(rule.id)
        expect(stats).toMatchObject({
          trigger_count: 1,
          last_triggered_at: new Date(T0).toISOString(),
          last_evaluated_at: new Date(T0 + 5 * MINUTE).toISOString()
        })
      })
    )

    alertTest("while firing it repeats only after the cooldown, and not once acknowledged", (path) =>
      Effect.gen(function* () {
        const rule = yield* createRule(path, { time_window: 60, cooldown: 2 })
        yield* index(10, T0 - MINUTE)
        for (let minute = 0; minute <= 3; minute++) {
          yield* evaluate(rule.id)
          yield* TestClock.adjust("1 minute")
        }
        expect(
          yield* eventually(
            () => events(path),
            (e) => e.length >= 2
          )
        ).toEqual(["alert.firing", "alert.repeat"])
        const [alert] = (yield* alertsOf(rule.id)).alerts
        yield* Effect.flatMap(TriggeredAlerts, (alerts) => alerts.acknowledge(alert!.id, "owner", new Date().toISOString()))
        for (let minute = 0; minute <= 5; minute++) {
          yield* evaluate(rule.id)
          yield* TestClock.adjust("1 minute")
        }
        yield* allDelivered(path)
        expect(events(path)).toEqual(["alert.firing", "alert.repeat"])
        expect((yield* alertsOf(rule.id)).alerts[0]).toMatchObject({ status: "acknowledged", acknowledged_by: "owner", notification_count: 2 })
      })
    )

    alertTest("a less_than rule fires on silence and resolves when the service logs again", (path) =>
      Effect.gen(function* () {
        const rule = yield* createRule(path, { name: "Heartbeat", condition: "less_than", threshold: 1, levels: [], services: ["heartbeat"] })
        yield* index(1, T0 - MINUTE, { service: "heartbeat", level: "INFO" })
        yield* evaluate(rule.id)
        expect((yield* alertsOf(rule.id)).total).toBe(0)

        yield* TestClock.adjust("10 minutes")
        yield* evaluate(rule.id)
        expect((yield* alertsOf(rule.id)).alerts[0]).toMatchObject({ status: "firing", value: 0, sample_log_ids: [] })

        yield* index(1, T0 + 10 * MINUTE, { service: "heartbeat", level: "INFO" })
        yield* evaluate(rule.id)
        expect((yield* alertsOf(rule.id)).alerts[0]).toMatchObject({ status: "resolved" })
        expect(
          yield* eventually(
            () => events(path),
            (e) => e.length >= 2
          )
        ).toEqual(["alert.firing", "alert.resolved"])
      })
    )

    alertTest("a snoozed rule records its alerts but sends nothing, and logs each suppressed notification", (path) =>
      Effect.gen(function* () {
        const rule = yield* createRule(path, {})
        yield* Effect.flatMap(AlertRules, (rules) => rules.snooze(rule.id, new Date(T0 + 60 * MINUTE).toISOString()))
        yield* index(5, T0 - MINUTE)
        yield* evaluate(rule.id)
        const [alert] = (yield* alertsOf(rule.id)).alerts
        expect(alert).toMatchObject({ status: "firing", notification_count: 0 })
        const attempts = yield* Effect.flatMap(NotificationLog, (log) => log.forAlert(alert!.id))
        expect(attempts).toEqual([expect.objectContaining({ event: "firing", outcome: "suppressed", attempt: 0 })])
        yield* allDelivered(path)
        expect(receiver.received(path)).toEqual([])
      })
    )

    alertTest("a flapping rule says so once instead of notifying every flip", (path) =>
      Effect.gen(function* () {
        const rule = yield* createRule(path, { condition: "greater_than", threshold: 0, time_window: 1 })
        for (let flip = 0; flip < 4; flip++) {
          const now = T0 + flip * 3 * MINUTE
          yield* index(1, now)
          yield* evaluate(rule.id) // fires
          yield* TestClock.adjust("2 minutes")
          yield* evaluate(rule.id) // the record left the 1-minute window: resolves
          yield* TestClock.adjust("1 minute")
        }
        // Flips: fire, resolve, fire (3 > 2: flapping, said once), then nothing more.
        expect(
          yield* eventually(
            () => events(path),
            (e) => e.length >= 3
          )
        ).toEqual(["alert.firing", "alert.resolved", "alert.flapping"])
        yield* allDelivered(path)
        expect(events(path)).toHaveLength(3)
        expect((yield* ruleOf(rule.id)).is_flapping).toBe(true)
        expect((yield* alertsOf(rule.id)).total).toBe(4)

        // An hour of calm and the flag clears.
        yield* TestClock.adjust("61 minutes")
        yield* evaluate(rule.id)
        expect((yield* ruleOf(rule.id)).is_flapping).toBe(false)
      })
    )

    alertTest("the engine starts, restarts and stops an evaluator as its rule is created, changed and deactivated", (path) =>
      Effect.gen(function* () {
        const engine = Context.get(yield* Layer.build(AlertEngineLive({ syncInterval: "1 second", leaseMs: 10_000 })), AlertEngine)
        const registry = yield* ActorRegistry
        const evaluators = () =>
          registry
            .all()
            .filter((a) => a.kind === "alert-evaluator")
            .map((a) => a.name)

        // The engine's first sync may already run while the rule is being created: logs first.
        yield* index(5, T0 - MINUTE)
        const rule = yield* createRule(path, { evaluation_interval: 30 })
        yield* engine.rulesChanged
        yield* waitUntil(Effect.sync(evaluators), (names) => names.includes(`alert-evaluator:${rule.id}`))
        expect(
          yield* eventually(
            () => events(path),
            (e) => e.length >= 1
          )
        ).toEqual(["alert.firing"])
        expect(yield* engine.status).toEqual({ leader: true, evaluators: 1 })

        const rules = yield* AlertRules
        const current = yield* ruleOf(rule.id)
        yield* rules.update(rule.id, { ...current, threshold: 100 })
        yield* engine.rulesChanged
        // The restarted evaluator evaluates at once: 5 is no longer > 100, so the alert resolves.
        yield* waitUntil(alertsOf(rule.id), (page) => page.alerts[0]?.status === "resolved")

        yield* rules.update(rule.id, { ...current, is_active: false })
        yield* engine.rulesChanged
        yield* waitUntil(Effect.sync(evaluators), (names) => names.length === 0)
        expect(yield* engine.status).toEqual({ leader: true, evaluators: 0 })
      })
    )

    alertTest("only the lease holder evaluates; a standby takes over when the leader stops", () =>
      Effect.gen(function* () {
        const lease = yield* LeaderLease
        expect(yield* lease.acquire("job", "a", 10_000, T0)).toBe(true)
        expect(yield* lease.acquire("job", "b", 10_000, T0 + 1_000)).toBe(false)
        expect(yield* lease.acquire("job", "a", 10_000, T0 + 5_000)).toBe(true) // renewed until T0+15s
        expect(yield* lease.acquire("job", "b", 10_000, T0 + 12_000)).toBe(false)
        expect(yield* lease.acquire("job", "b", 10_000, T0 + 16_000)).toBe(true) // expired: taken over
        expect(yield* lease.acquire("job", "a", 10_000, T0 + 17_000)).toBe(false)
        yield* lease.release("job", "b")
        expect(yield* lease.acquire("job", "a", 10_000, T0 + 18_000)).toBe(true)
      })
    )
  })
