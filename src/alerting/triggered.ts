import type { SQL } from "bun"
import { Context, Data, Effect, Layer, Option } from "effect"
import { MetaDatabase } from "../ports/meta-database.ts"
import type { MetaStoreUnavailable } from "../domain/errors.ts"
import { NotFound } from "../domain/errors.ts"
import { ulid } from "../domain/ulid.ts"
import type { AlertPattern, AlertRule, AlertStatus, TriggeredAlert } from "../domain/alert-rule.ts"

/** The triggered_alerts table and its transitions; each transition is one conditional UPDATE, so concurrent changes cannot both win. */

type Row = Record<string, unknown>

const toAlert = (r: Row): TriggeredAlert => ({
  id: r.id as string,
  rule_id: r.rule_id as string,
  rule_name: r.rule_name as string,
  status: r.status as AlertStatus,
  condition: r.condition as TriggeredAlert["condition"],
  value: Number(r.value),
  threshold: Number(r.threshold),
  time_window: Number(r.time_window_minutes),
  first_seen_at: r.first_seen_at as string,
  last_seen_at: r.last_seen_at as string,
  sample_log_ids: JSON.parse(r.sample_log_ids as string),
  pattern: typeof r.pattern === "string" ? JSON.parse(r.pattern) : null,
  triggered_at: r.triggered_at as string,
  last_notified_at: (r.last_notified_at as string | null) ?? null,
  notification_count: Number(r.notification_count),
  acknowledged_by: (r.acknowledged_by as string | null) ?? null,
  acknowledged_at: (r.acknowledged_at as string | null) ?? null,
  resolved_by: (r.resolved_by as string | null) ?? null,
  resolved_at: (r.resolved_at as string | null) ?? null,
  resolution: (r.resolution as string | null) ?? null
})

export interface AlertFilter {
  readonly status?: AlertStatus
  readonly ruleId?: string
  /** ISO-8601 bounds on `triggered_at`, inclusive. */
  readonly from?: string
  readonly to?: string
  readonly limit: number
  readonly offset: number
}

export interface Observation {
  readonly value: number
  readonly sampleLogIds: ReadonlyArray<string>
  readonly at: string
  /** The template a pattern rule observed. */
  readonly pattern?: AlertPattern
}

/** Why a transition did not happen: the alert is not in a state that allows it. */
export class InvalidTransition extends Data.TaggedError("InvalidTransition")<{ readonly reason: string }> {
  readonly status = 409
  readonly code = "conflict"
  override get message() {
    return this.reason
  }
}

type Failure = MetaStoreUnavailable

export class TriggeredAlerts extends Context.Tag("TriggeredAlerts")<
  TriggeredAlerts,
  {
    readonly open: (rule: AlertRule, observation: Observation) => Effect.Effect<TriggeredAlert, Failure>
    readonly byId: (id: string) => Effect.Effect<Option.Option<TriggeredAlert>, Failure>
    /** The rule's alert that is firing or acknowledged, if any. */
    readonly openFor: (ruleId: string) => Effect.Effect<Option.Option<TriggeredAlert>, Failure>
    readonly list: (filter: AlertFilter) => Effect.Effect<{ alerts: TriggeredAlert[]; total: number }, Failure>
    /** Firings and resolutions of a rule since a time: how often it flipped. */
    readonly flipsSince: (ruleId: string, since: string) => Effect.Effect<number, Failure>
    readonly observe: (id: string, observation: Observation) => Effect.Effect<void, Failure>
    readonly markNotified: (id: string, at: string) => Effect.Effect<void, Failure>
    readonly acknowledge: (id: string, by: string, at: string) => Effect.Effect<TriggeredAlert, Failure | InvalidTransition | NotFound>
    /** `by` null: resolved by the engine because the condition cleared. */
    readonly resolve: (id: string, by: string | null, resolution: string, at: string) => Effect.Effect<TriggeredAlert, Failure | InvalidTransition | NotFound>
  }
>() {}

/** A new alert, firing, as its rule and the observation that opened it say. */
const newAlertRow = (rule: AlertRule, observation: Observation) => ({
  id: ulid(),
  rule_id: rule.id,
  rule_name: rule.name,
  status: "firing",
  condition: rule.condition,
  value: observation.value,
  threshold: rule.threshold,
  time_window_minutes: rule.time_window,
  first_seen_at: observation.at,
  last_seen_at: observation.at,
  sample_log_ids: JSON.stringify(observation.sampleLogIds),
  pattern: observation.pattern === undefined ? null : JSON.stringify(observation.pattern),
  triggered_at: observation.at,
  last_notified_at: null,
  notification_count: 0,
  acknowledged_by: null,
  acknowledged_at: null,
  resolved_by: null,
  resolved_at: null,
  resolution: null
})

/** A page of alerts, newest first, and how many match in all. */
const listAlerts = async (sql: SQL, filter: AlertFilter) => {
  // Absent filters compare with NULL and so drop out; every value stays a bound parameter.
  const status = filter.status ?? null,
    ruleId = filter.ruleId ?? null,
    from = filter.from ?? null,
    to = filter.to ?? null
  const rows = await sql<Row[]>`SELECT * FROM triggered_alerts
    WHERE (CAST(${status} AS TEXT) IS NULL OR status = ${status}) AND (CAST(${ruleId} AS TEXT) IS NULL OR rule_id = ${ruleId})
      AND (CAST(${from} AS TEXT) IS NULL OR triggered_at >= ${from}) AND (CAST(${to} AS TEXT) IS NULL OR triggered_at <= ${to})
    ORDER BY triggered_at DESC, id DESC LIMIT ${filter.limit} OFFSET ${filter.offset}`
  const counted = await sql<Array<{ n: number | string }>>`SELECT count(*) AS n FROM triggered_alerts
    WHERE (CAST(${status} AS TEXT) IS NULL OR status = ${status}) AND (CAST(${ruleId} AS TEXT) IS NULL OR rule_id = ${ruleId})
      AND (CAST(${from} AS TEXT) IS NULL OR triggered_at >= ${from}) AND (CAST(${to} AS TEXT) IS NULL OR triggered_at <= ${to})`
  return { alerts: rows.map(toAlert), total: Number(counted[0]?.n ?? 0) }
}

export const TriggeredAlertsLive = Layer.effect(
  TriggeredAlerts,
  Effect.gen(function* () {
    const db = yield* MetaDatabase
    const byId = (id: string) =>
      db
        .query("triggered_alerts.by_id", (sql) => sql<Row[]>`SELECT * FROM triggered_alerts WHERE id = ${id}`)
        .pipe(Effect.map((rows) => Option.fromNullable(rows[0]).pipe(Option.map(toAlert))))

    /** Runs a conditional update; when no row changed, explains why from the alert's current state. */
    const transition = (id: string, action: string, update: (sql: SQL) => Promise<{ count: number }>) =>
      Effect.gen(function* () {
        const changed = yield* db.query(`triggered_alerts.${action}`, update)
        const alert = yield* byId(id)
        if (Option.isNone(alert)) return yield* new NotFound({ what: `alert ${id}` })
        if (changed.count === 0) return yield* new InvalidTransition({ reason: `cannot ${action} an alert that is ${alert.value.status}` })
        return alert.value
      })

    return TriggeredAlerts.of({
      open: (rule, observation) =>
        Effect.gen(function* () {
          const row = newAlertRow(rule, observation)
          yield* db.query("triggered_alerts.open", (sql) => sql`INSERT INTO triggered_alerts ${sql(row)}`)
          return toAlert(row)
        }),
      byId,
      openFor: (ruleId) =>
        db
          .query(
            "triggered_alerts.open_for",
            (sql) =>
              sql<Row[]>`SELECT * FROM triggered_alerts WHERE rule_id = ${ruleId} AND status <> ${"resolved"} ORDER BY triggered_at DESC, id DESC LIMIT 1`
          )
          .pipe(Effect.map((rows) => Option.fromNullable(rows[0]).pipe(Option.map(toAlert)))),
      list: (filter) => db.query("triggered_alerts.list", (sql) => listAlerts(sql, filter)),
      flipsSince: (ruleId, since) =>
        db
          .query(
            "triggered_alerts.flips",
            (sql) =>
              sql<Array<{ n: number | string }>>`SELECT
          (SELECT count(*) FROM triggered_alerts WHERE rule_id = ${ruleId} AND triggered_at >= ${since})
          + (SELECT count(*) FROM triggered_alerts WHERE rule_id = ${ruleId} AND resolved_at >= ${since} AND resolved_by IS NULL) AS n`
          )
          .pipe(Effect.map((rows) => Number(rows[0]?.n ?? 0))),
      observe: (id, observation) =>
        db
          .query(
            "triggered_alerts.observe",
            (sql) =>
              sql`UPDATE triggered_alerts SET value = ${observation.value}, last_seen_at = ${observation.at},
            sample_log_ids = ${JSON.stringify(observation.sampleLogIds)} WHERE id = ${id}`
          )
          .pipe(Effect.asVoid),
      markNotified: (id, at) =>
        db
          .query(
            "triggered_alerts.notified",
            (sql) => sql`UPDATE triggered_alerts SET last_notified_at = ${at}, notification_count = notification_count + 1 WHERE id = ${id}`
          )
          .pipe(Effect.asVoid),
      acknowledge: (id, by, at) =>
        transition(
          id,
          "acknowledge",
          (sql) =>
            sql`UPDATE triggered_alerts SET status = ${"acknowledged"}, acknowledged_by = ${by}, acknowledged_at = ${at}
            WHERE id = ${id} AND status = ${"firing"}`
        ),
      resolve: (id, by, resolution, at) =>
        transition(
          id,
          "resolve",
          (sql) =>
            sql`UPDATE triggered_alerts SET status = ${"resolved"}, resolved_by = ${by}, resolved_at = ${at}, resolution = ${resolution}
            WHERE id = ${id} AND status <> ${"resolved"}`
        )
    })
  })
)
