import { Context, type Effect } from "effect"
import type { MetaStoreUnavailable } from "../domain/errors.ts"

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

export class NotificationLog extends Context.Tag("NotificationLog")<
  NotificationLog,
  {
    readonly record: (attempt: DeliveryAttempt) => Effect.Effect<void, MetaStoreUnavailable>
    readonly forAlert: (alertId: string) => Effect.Effect<ReadonlyArray<DeliveryAttempt & { readonly id: string }>, MetaStoreUnavailable>
  }
>() {}
