import { Context, Effect, Layer } from "effect"
import { MetaDatabase, type MetaStoreUnavailable } from "../adapters/meta-store/sql-database.ts"
import { ulid } from "../domain/ulid.ts"

/** Every delivery attempt of every notification, so a user can see why one did not arrive. */

export interface DeliveryAttempt {
  readonly alert_id: string
  readonly rule_id: string
  readonly channel: string
  /** firing, repeat, resolved, flapping. */
  readonly event: string
  readonly attempt: number
  /** delivered, failed (will retry), gave_up, refused (target not allowed), suppressed (snoozed). */
  readonly outcome: string
  readonly http_status: number | null
  readonly error: string | null
  readonly attempted_at: string
}

export class NotificationLog extends Context.Tag("NotificationLog")<NotificationLog, {
  readonly record: (attempt: DeliveryAttempt) => Effect.Effect<void, MetaStoreUnavailable>
  readonly forAlert: (alertId: string) => Effect.Effect<ReadonlyArray<DeliveryAttempt & { readonly id: string }>, MetaStoreUnavailable>
}>() {}

type Row = DeliveryAttempt & { id: string; attempt: unknown; http_status: unknown }

export const NotificationLogLive = Layer.effect(NotificationLog, Effect.gen(function*() {
  const db = yield* MetaDatabase
  const run = <A>(operation: string, f: Parameters<typeof db.query<A>>[1]) => db.query(operation, f).pipe(Effect.catchTag("UniqueViolation", Effect.die))
  return NotificationLog.of({
    record: (attempt) => run("notification_attempts.record", (sql) => sql`INSERT INTO notification_attempts ${sql({ id: ulid(), ...attempt })}`).pipe(Effect.asVoid),
    forAlert: (alertId) =>
      run("notification_attempts.for_alert", (sql) =>
        sql<Row[]>`SELECT * FROM notification_attempts WHERE alert_id = ${alertId} ORDER BY attempted_at, id`
      ).pipe(Effect.map((rows) => rows.map((r) => ({ ...r, attempt: Number(r.attempt), http_status: r.http_status === null ? null : Number(r.http_status) }))))
  })
}))
