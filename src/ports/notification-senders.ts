import { Context } from "effect"
import type { Channel } from "../domain/alert-rule.ts"
import type { Notification } from "../domain/notification.ts"

/**
 * One sender per configured channel: a single delivery attempt, reported as a result rather
 * than thrown, so the notifier can record it and decide whether to retry.
 */

export interface DeliveryResult {
  readonly outcome: "delivered" | "failed" | "refused"
  readonly http_status: number | null
  readonly error: string | null
  /** Worth another attempt (timeouts, 5xx, 429); a 4xx or a refused target is not. */
  readonly retryable: boolean
}

export type Sender = (notification: Notification) => Promise<DeliveryResult>

export class NotificationSenders extends Context.Tag("NotificationSenders")<NotificationSenders, Partial<Record<Channel, Sender>>>() {}
