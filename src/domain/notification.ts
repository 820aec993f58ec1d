import type { AlertRuleWithSecret, TriggeredAlert } from "./alert-rule.ts"

/**
 * What a notification says, whatever the channel: an alert started firing, is still firing
 * (after the cooldown), resolved, or its rule is flapping.
 */

export type NotificationEvent = "firing" | "repeat" | "resolved" | "flapping"

export interface Notification {
  readonly event: NotificationEvent
  readonly rule: AlertRuleWithSecret
  readonly alert: TriggeredAlert
  /** When the evaluation that caused it ran (ISO-8601). */
  readonly at: string
}
