import { randomBytes } from "node:crypto"
import { Context, Effect, Layer, Option } from "effect"
import { MetaDatabase } from "../ports/meta-database.ts"
import type { MetaStoreUnavailable } from "../domain/errors.ts"
import { ulid } from "../domain/ulid.ts"
import type { AlertRuleWithSecret } from "../domain/alert-rule.ts"
import type { ValidRule } from "./rule-input.ts"

/** The alert_rules table. Lists and objects are stored as JSON text, booleans normalised across engines. */

type Row = Record<string, unknown>

const bool = (v: unknown) => v === true || v === 1
const toRule = (r: Row): AlertRuleWithSecret => ({
  id: r.id as string,
  owner_id: r.owner_id as string,
  name: r.name as string,
  description: (r.description as string | null) ?? null,
  condition: r.condition as AlertRuleWithSecret["condition"],
  threshold: Number(r.threshold),
  time_window: Number(r.time_window_minutes),
  baseline: r.baseline_minutes === null || r.baseline_minutes === undefined ? null : Number(r.baseline_minutes),
  levels: JSON.parse(r.levels as string),
  services: JSON.parse(r.services as string),
  query: (r.query as string | null) ?? null,
  notification_channel: r.notification_channel as AlertRuleWithSecret["notification_channel"],
  notification_config: JSON.parse(r.notification_config as string),
  webhook_secret: (r.webhook_secret as string | null) ?? null,
  is_active: bool(r.is_active),
  evaluation_interval: Number(r.evaluation_interval_seconds),
  cooldown: Number(r.cooldown_minutes),
  snoozed_until: (r.snoozed_until as string | null) ?? null,
  is_flapping: bool(r.is_flapping),
  state: r.evaluation_error == null ? "ok" : "error",
  evaluation_error: (r.evaluation_error as string | null) ?? null,
  evaluation_error_at: (r.evaluation_error_at as string | null) ?? null,
  last_evaluated_at: (r.last_evaluated_at as string | null) ?? null,
  last_triggered_at: (r.last_triggered_at as string | null) ?? null,
  trigger_count: Number(r.trigger_count),
  created_at: r.created_at as string,
  updated_at: r.updated_at as string
})

const columns = (rule: ValidRule) => ({
  name: rule.name,
  description: rule.description,
  condition: rule.condition,
  threshold: rule.threshold,
  time_window_minutes: rule.time_window,
  baseline_minutes: rule.baseline,
  levels: JSON.stringify(rule.levels),
  services: JSON.stringify(rule.services),
  query: rule.query,
  notification_channel: rule.notification_channel,
  notification_config: JSON.stringify(rule.notification_config),
  is_active: rule.is_active,
  evaluation_interval_seconds: rule.evaluation_interval,
  cooldown_minutes: rule.cooldown
})

/** Signs webhook bodies; made when a rule first uses a signed channel. */
const newSecret = () => randomBytes(32).toString("hex")
const signs = (rule: ValidRule) => rule.notification_channel === "webhook"

export interface RuleEvaluation {
  readonly evaluatedAt: string
  readonly triggeredAt?: string
  readonly isFlapping?: boolean
}

type Failure = MetaStoreUnavailable

export class AlertRules extends Context.Tag("AlertRules")<
  AlertRules,
  {
    readonly create: (ownerId: string, rule: ValidRule) => Effect.Effect<AlertRuleWithSecret, Failure>
    readonly byId: (id: string) => Effect.Effect<Option.Option<AlertRuleWithSecret>, Failure>
    readonly list: (filter: { readonly isActive?: boolean; readonly limit: number; readonly offset: number }) => Effect.Effect<AlertRuleWithSecret[], Failure>
    readonly active: Effect.Effect<AlertRuleWithSecret[], Failure>
    /** Replaces the settings; keeps statistics; gives a webhook rule a secret if it has none. */
    readonly update: (id: string, rule: ValidRule) => Effect.Effect<Option.Option<AlertRuleWithSecret>, Failure>
    readonly snooze: (id: string, until: string | null) => Effect.Effect<Option.Option<AlertRuleWithSecret>, Failure>
    readonly delete: (id: string) => Effect.Effect<boolean, Failure>
    /** The rule's evaluation was stopped for `reason`: state `error` until the rule is edited (`update` clears it). */
    readonly markError: (id: string, reason: string, at: string) => Effect.Effect<void, Failure>
    /** Statistics of one evaluation; does not change `updated_at` (which restarts the evaluator). */
    readonly recordEvaluation: (id: string, evaluation: RuleEvaluation) => Effect.Effect<void, Failure>
  }
>() {}

export const AlertRulesLive = Layer.effect(
  AlertRules,
  Effect.gen(function* () {
    const db = yield* MetaDatabase
    const byId = (id: string) =>
      db
        .query("alert_rules.by_id", (sql) => sql<Row[]>`SELECT * FROM alert_rules WHERE id = ${id}`)
        .pipe(Effect.map((rows) => Option.fromNullable(rows[0]).pipe(Option.map(toRule))))
    const now = () => new Date().toISOString()

    return AlertRules.of({
      create: (ownerId, rule) =>
        Effect.gen(function* () {
          const at = now()
          const row = {
            id: ulid(),
            owner_id: ownerId,
            ...columns(rule),
            webhook_secret: signs(rule) ? newSecret() : null,
            snoozed_until: null,
            is_flapping: false,
            evaluation_error: null,
            evaluation_error_at: null,
            last_evaluated_at: null,
            last_triggered_at: null,
            trigger_count: 0,
            created_at: at,
            updated_at: at
          }
          yield* db.query("alert_rules.create", (sql) => sql`INSERT INTO alert_rules ${sql(row)}`)
          return toRule(row)
        }),
      byId,
      list: ({ isActive, limit, offset }) =>
        db
          .query("alert_rules.list", (sql) =>
            isActive === undefined
              ? sql<Row[]>`SELECT * FROM alert_rules ORDER BY created_at, id LIMIT ${limit} OFFSET ${offset}`
              : sql<Row[]>`SELECT * FROM alert_rules WHERE is_active = ${isActive} ORDER BY created_at, id LIMIT ${limit} OFFSET ${offset}`
          )
          .pipe(Effect.map((rows) => rows.map(toRule))),
      active: db
        .query("alert_rules.active", (sql) => sql<Row[]>`SELECT * FROM alert_rules WHERE is_active = ${true}`)
        .pipe(Effect.map((rows) => rows.map(toRule))),
      update: (id, rule) =>
        Effect.gen(function* () {
          // An edit is the owner's answer to an evaluation error: the rule runs again.
          const set = { ...columns(rule), evaluation_error: null, evaluation_error_at: null, updated_at: now() }
          yield* db.query("alert_rules.update", (sql) => sql`UPDATE alert_rules SET ${sql(set)} WHERE id = ${id}`)
          if (signs(rule)) {
            yield* db.query(
              "alert_rules.add_secret",
              (sql) => sql`UPDATE alert_rules SET webhook_secret = ${newSecret()} WHERE id = ${id} AND webhook_secret IS NULL`
            )
          }
          return yield* byId(id)
        }),
      snooze: (id, until) =>
        db
          .query("alert_rules.snooze", (sql) => sql`UPDATE alert_rules SET snoozed_until = ${until}, updated_at = ${now()} WHERE id = ${id}`)
          .pipe(Effect.andThen(byId(id))),
      delete: (id) => db.query("alert_rules.delete", (sql) => sql`DELETE FROM alert_rules WHERE id = ${id}`).pipe(Effect.map((r) => r.count > 0)),
      markError: (id, reason, at) =>
        db
          .query(
            "alert_rules.mark_error",
            (sql) => sql`UPDATE alert_rules SET evaluation_error = ${reason}, evaluation_error_at = ${at}, last_evaluated_at = ${at} WHERE id = ${id}`
          )
          .pipe(Effect.asVoid),
      recordEvaluation: (id, evaluation) =>
        db
          .query("alert_rules.record_evaluation", (sql) =>
            evaluation.triggeredAt === undefined
              ? sql`UPDATE alert_rules SET last_evaluated_at = ${evaluation.evaluatedAt}, is_flapping = COALESCE(${evaluation.isFlapping ?? null}, is_flapping) WHERE id = ${id}`
              : sql`UPDATE alert_rules SET last_evaluated_at = ${evaluation.evaluatedAt}, last_triggered_at = ${evaluation.triggeredAt},
                trigger_count = trigger_count + 1, is_flapping = COALESCE(${evaluation.isFlapping ?? null}, is_flapping) WHERE id = ${id}`
          )
          .pipe(Effect.asVoid)
    })
  })
)
