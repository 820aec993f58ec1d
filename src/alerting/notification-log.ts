import { Effect, Layer } from "effect"
import { type DeliveryAttempt, NotificationLog } from "../ports/notification-log.ts"
import { MetaDatabase } from "../ports/meta-database.ts"
import { ulid } from "../domain/ulid.ts"

/** The NotificationLog port in the metadata store. */

type Row = DeliveryAttempt & { id: string; attempt: unknown; http_status: unknown }

export const NotificationLogLive = Layer.effect(
  NotificationLog,
  Effect.gen(function* () {
    const db = yield* MetaDatabase
    return NotificationLog.of({
      record: (attempt) =>
        db.query("notification_attempts.record", (sql) => sql`INSERT INTO notification_attempts ${sql({ id: ulid(), ...attempt })}`).pipe(Effect.asVoid),
      forAlert: (alertId) =>
        db
          .query(
            "notification_attempts.for_alert",
            (sql) => sql<Row[]>`SELECT * FROM notification_attempts WHERE alert_id = ${alertId} ORDER BY attempted_at, id`
          )
          .pipe(
            Effect.map((rows) => rows.map((r) => ({ ...r, attempt: Number(r.attempt), http_status: r.http_status === null ? null : Number(r.http_status) })))
          )
    })
  })
)
