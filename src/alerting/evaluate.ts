import { Clock, Effect, Layer, Option } from "effect"
import { Notifiers } from "../ports/notifiers.ts"
import { parseTextQuery } from "../domain/text-query.ts"
import type { SearchRequest } from "../domain/search-request.ts"
import { LogStore } from "../ports/log-store.ts"
import { RuleEvaluation } from "../ports/rule-evaluation.ts"
import { Telemetry } from "../ports/telemetry.ts"
import { NotificationLog } from "../ports/notification-log.ts"
import type { NotificationEvent } from "../domain/notification.ts"
import { type AlertRuleWithSecret, conditionHolds, isPatternCondition, isSnoozed, type TriggeredAlert } from "../domain/alert-rule.ts"
import type { MetaStoreUnavailable, StoreReadError } from "../domain/errors.ts"
import type { PatternStore } from "../ports/pattern-store.ts"
import { observePatterns } from "./pattern-observe.ts"
import { AlertRules } from "./rules.ts"
import { type Observation, TriggeredAlerts } from "./triggered.ts"

/**
 * One evaluation of one rule. Everything it decides from is in the stores (the rule, its open
 * alert, its recent flips, the matching logs), so an evaluator that restarts, or another
 * process that takes over as leader, carries on where the last evaluation left off.
 *
 * - condition holds, no open alert → open one (firing) and notify;
 * - holds, alert open → update its value; notify again once the cooldown has passed, unless it
 *   was acknowledged (cooldown 0: never again);
 * - clear, alert open → resolve it automatically and notify the resolution;
 * - a snoozed rule records all of this but sends nothing (each suppressed notification is logged);
 * - a rule that flipped more than `flapThreshold` times in the last hour is flapping: it notifies
 *   once that it is, then stays quiet until it calms down;
 * - a query that runs past SEARCH_TIMEOUT_MS puts the rule in state `error` with the reason, and
 *   it is not evaluated again (at the same cost, every interval) until someone edits it.
 */

export interface EvaluationSettings {
  readonly flapThreshold: number
}

type Services = AlertRules | TriggeredAlerts | Notifiers | NotificationLog | LogStore | PatternStore

const SAMPLE_SIZE = 5
const HOUR = 3_600_000

/** Counts the rule's matching logs over its window ending now, with the newest few ids. */
const observe = (rule: AlertRuleWithSecret, now: number) =>
  Effect.gen(function* () {
    const store = yield* LogStore
    const windowMs = rule.time_window * 60_000
    const text = rule.query === null ? undefined : parseTextQuery(rule.query)
    const request: Omit<SearchRequest, "limit" | "cursor"> = {
      from: now - windowMs,
      to: now,
      ...(rule.services.length ? { services: rule.services } : {}),
      ...(rule.levels.length ? { levels: rule.levels } : {}),
      ...(text ? { text } : {})
    }
    // Bucket counts are exact (search totals stop at a cap); one window-wide bucket, or two where it straddles a boundary.
    const buckets = yield* store.histogram(request, windowMs)
    const value = buckets.reduce((sum, b) => sum + b.count, 0)
    const sample = value === 0 ? [] : (yield* store.search({ ...request, limit: SAMPLE_SIZE })).logs.map((l) => l.id)
    return { value, sampleLogIds: sample, at: new Date(now).toISOString() } satisfies Observation
  })

type Outcome = "ok" | "budget_exceeded" | "skipped"

const evaluateRule = (ruleId: string, settings: EvaluationSettings): Effect.Effect<Outcome, MetaStoreUnavailable | StoreReadError, Services> =>
  Effect.gen(function* () {
    const rules = yield* AlertRules
    const alerts = yield* TriggeredAlerts
    const notifiers = yield* Notifiers
    const log = yield* NotificationLog
    const telemetry = yield* Effect.serviceOption(Telemetry)

    const found = yield* rules.byId(ruleId)
    if (Option.isNone(found) || !found.value.is_active || found.value.state === "error") return "skipped"
    const rule = found.value
    const now = yield* Clock.currentTimeMillis
    const observing: Effect.Effect<Observation, MetaStoreUnavailable | StoreReadError, LogStore | PatternStore> = isPatternCondition(rule.condition)
      ? observePatterns(rule, now)
      : observe(rule, now)
    const observed = yield* observing.pipe(
      Effect.map(Option.some),
      Effect.catchTag("QueryTimedOut", (e) =>
        rules
          .markError(rule.id, e.message, new Date(now).toISOString())
          .pipe(Effect.andThen(Effect.logWarning(`alert rule stopped until it is edited: ${e.message}`)), Effect.as(Option.none()))
      )
    )
    if (Option.isNone(observed)) return "budget_exceeded"
    const observation = observed.value
    const at = observation.at
    if (Option.isSome(telemetry)) telemetry.value.alertsChecked.inc()

    const holds = conditionHolds(rule.condition, observation.value, rule.threshold)
    const open = Option.getOrUndefined(yield* alerts.openFor(rule.id))
    const snoozed = isSnoozed(rule, now)
    const flapping = () => alerts.flipsSince(rule.id, new Date(now - HOUR).toISOString()).pipe(Effect.map((flips) => flips > settings.flapThreshold))

    const notify = (event: NotificationEvent, alert: TriggeredAlert) =>
      snoozed
        ? log.record({
            alert_id: alert.id,
            rule_id: rule.id,
            channel: rule.notification_channel,
            event,
            attempt: 0,
            outcome: "suppressed",
            http_status: null,
            error: `rule snoozed until ${rule.snoozed_until}`,
            attempted_at: at
          })
        : notifiers.send({ event, rule, alert, at }).pipe(Effect.andThen(alerts.markNotified(alert.id, at)))

    if (holds && open === undefined) {
      const alert = yield* alerts.open(rule, observation)
      if (Option.isSome(telemetry)) telemetry.value.alertsTriggered.inc({ rule_name: rule.name })
      const isFlapping = yield* flapping()
      yield* rules.recordEvaluation(rule.id, { evaluatedAt: at, triggeredAt: at, isFlapping })
      if (!isFlapping) yield* notify("firing", alert)
      else if (!rule.is_flapping) yield* notify("flapping", alert)
    } else if (holds && open !== undefined) {
      yield* alerts.observe(open.id, observation)
      const sinceNotified = open.last_notified_at === null ? Infinity : now - Date.parse(open.last_notified_at)
      const repeatDue =
        open.status === "firing" &&
        !snoozed &&
        !rule.is_flapping &&
        (open.last_notified_at === null || (rule.cooldown > 0 && sinceNotified >= rule.cooldown * 60_000))
      if (repeatDue) {
        yield* notify("repeat", { ...open, value: observation.value, last_seen_at: at, sample_log_ids: observation.sampleLogIds })
      }
      yield* rules.recordEvaluation(rule.id, { evaluatedAt: at })
    } else if (open !== undefined) {
      // Someone may resolve it by hand at the same moment; then there is nothing left to do.
      const resolved = yield* alerts
        .resolve(open.id, null, "condition cleared", at)
        .pipe(
          Effect.map(Option.some),
          Effect.catchTags({ InvalidTransition: () => Effect.succeed(Option.none()), NotFound: () => Effect.succeed(Option.none()) })
        )
      const isFlapping = yield* flapping()
      yield* rules.recordEvaluation(rule.id, { evaluatedAt: at, isFlapping })
      if (Option.isSome(resolved) && !isFlapping) yield* notify("resolved", resolved.value)
    } else {
      yield* rules.recordEvaluation(rule.id, { evaluatedAt: at, ...(rule.is_flapping ? { isFlapping: yield* flapping() } : {}) })
    }
    return "ok"
  })

/** The RuleEvaluation port: the active rules from the rule repository, and evaluateRule above. */
export const RuleEvaluationLive = (settings: EvaluationSettings) =>
  Layer.effect(
    RuleEvaluation,
    Effect.gen(function* () {
      const rules = yield* AlertRules
      const context = yield* Effect.context<Services>()
      const telemetry = yield* Effect.serviceOption(Telemetry)
      const count = (result: "ok" | "budget_exceeded" | "failed") => Effect.sync(() => Option.map(telemetry, (t) => t.alertEvaluations.inc({ result })))
      return RuleEvaluation.of({
        // A rule in state `error` gets no evaluator until it is edited.
        active: rules.active.pipe(Effect.map((all) => all.filter((rule) => rule.state !== "error"))),
        evaluate: (ruleId) =>
          evaluateRule(ruleId, settings).pipe(
            Effect.tap((outcome) => (outcome === "skipped" ? Effect.void : count(outcome))),
            Effect.tapError(() => count("failed")),
            Effect.asVoid,
            Effect.provide(context)
          )
      })
    })
  )
