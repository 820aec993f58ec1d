/** Shapes of the alerting API (rules and triggered alerts). */

export const CONDITIONS = {
  greater_than: ">",
  greater_than_or_equal: "≥",
  less_than: "<",
  less_than_or_equal: "≤",
  equals: "="
} as const
export type Condition = keyof typeof CONDITIONS

export const CHANNELS = ["console", "webhook", "slack", "email"] as const
export type Channel = typeof CHANNELS[number]

export const LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"] as const

export interface Rule {
  readonly id: string
  readonly name: string
  readonly description: string | null
  readonly condition: Condition
  readonly threshold: number
  readonly time_window: number
  readonly levels: ReadonlyArray<string>
  readonly services: ReadonlyArray<string>
  readonly query: string | null
  readonly notification_channel: Channel
  readonly notification_config: Readonly<Record<string, unknown>>
  readonly is_active: boolean
  readonly evaluation_interval: number
  readonly cooldown: number
  readonly snoozed_until: string | null
  readonly is_flapping: boolean
  readonly last_evaluated_at: string | null
  readonly last_triggered_at: string | null
  readonly trigger_count: number
  /** Shown to the rule's owner and to admins: the key that signs its webhook deliveries. */
  readonly webhook_secret?: string | null
}

export type AlertStatus = "firing" | "acknowledged" | "resolved"

export interface TriggeredAlert {
  readonly id: string
  readonly rule_id: string
  readonly rule_name: string
  readonly status: AlertStatus
  readonly condition: Condition
  readonly value: number
  readonly threshold: number
  readonly time_window: number
  readonly first_seen_at: string
  readonly last_seen_at: string
  readonly sample_log_ids: ReadonlyArray<string>
  readonly triggered_at: string
  readonly last_notified_at: string | null
  readonly notification_count: number
  readonly acknowledged_by: string | null
  readonly acknowledged_at: string | null
  readonly resolved_by: string | null
  readonly resolved_at: string | null
  readonly resolution: string | null
}

export interface TriggeredPage {
  readonly alerts: ReadonlyArray<TriggeredAlert>
  readonly total: number
  readonly limit: number
  readonly offset: number
}
