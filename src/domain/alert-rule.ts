import type { Level } from "./log-record.ts"

/** Alert rules and triggered alerts as the API shows them (the rule's fields, plus its lifecycle). */

/**
 * Conditions on the count of matching logs, and on log patterns: `new_pattern` (a template not
 * seen in the `baseline` minutes before the window has at least `threshold` records in it) and
 * `pattern_spike` (a known template's rate in the window is more than `threshold` times its rate
 * over the baseline).
 */
export const PATTERN_CONDITIONS = ["new_pattern", "pattern_spike"] as const
export const CONDITIONS = ["greater_than", "less_than", "equals", "greater_than_or_equal", "less_than_or_equal", ...PATTERN_CONDITIONS] as const
export type Condition = (typeof CONDITIONS)[number]
export type PatternCondition = (typeof PATTERN_CONDITIONS)[number]

export const isPatternCondition = (condition: Condition): condition is PatternCondition => (PATTERN_CONDITIONS as ReadonlyArray<string>).includes(condition)

/** The template a pattern alert is about, and the search that finds its records. */
export interface AlertPattern {
  readonly id: string
  readonly service: string
  readonly template: string
  readonly search: string
}

export const CHANNELS = ["console", "webhook", "slack", "email"] as const
export type Channel = (typeof CHANNELS)[number]

export const RULE_STATES = ["ok", "error"] as const
export type RuleState = (typeof RULE_STATES)[number]

export interface AlertRule {
  readonly id: string
  readonly owner_id: string
  readonly name: string
  readonly description: string | null
  readonly condition: Condition
  readonly threshold: number
  /** Minutes of logs counted at each evaluation. */
  readonly time_window: number
  /** Minutes before the window that pattern conditions compare with; null for count conditions. */
  readonly baseline: number | null
  readonly levels: ReadonlyArray<Level>
  readonly services: ReadonlyArray<string>
  /** Query language text the logs must match too, or null. */
  readonly query: string | null
  readonly notification_channel: Channel
  readonly notification_config: Readonly<Record<string, unknown>>
  readonly is_active: boolean
  /** Seconds between evaluations. */
  readonly evaluation_interval: number
  /** Minutes between repeat notifications while the alert keeps firing unacknowledged; 0: never repeat. */
  readonly cooldown: number
  readonly snoozed_until: string | null
  readonly is_flapping: boolean
  /**
   * `error`: the last evaluation was stopped (its query ran past SEARCH_TIMEOUT_MS), and the
   * rule is not evaluated again until it is edited; `evaluation_error` says why.
   */
  readonly state: RuleState
  readonly evaluation_error: string | null
  readonly evaluation_error_at: string | null
  readonly last_evaluated_at: string | null
  readonly last_triggered_at: string | null
  readonly trigger_count: number
  readonly created_at: string
  readonly updated_at: string
}

/** Internal: the rule with the secret that signs its webhook notifications. */
export interface AlertRuleWithSecret extends AlertRule {
  readonly webhook_secret: string | null
}

export const ALERT_STATUSES = ["firing", "acknowledged", "resolved"] as const
export type AlertStatus = (typeof ALERT_STATUSES)[number]

export interface TriggeredAlert {
  readonly id: string
  readonly rule_id: string
  readonly rule_name: string
  readonly status: AlertStatus
  readonly condition: Condition
  /** The count that met the condition, updated at each evaluation while the alert is open. */
  readonly value: number
  readonly threshold: number
  readonly time_window: number
  /** The first and the latest evaluation at which the condition held. */
  readonly first_seen_at: string
  readonly last_seen_at: string
  /** Ids of the newest matching logs (none for a silence rule). */
  readonly sample_log_ids: ReadonlyArray<string>
  /** The template a pattern rule fired for; null for count conditions. */
  readonly pattern: AlertPattern | null
  readonly triggered_at: string
  readonly last_notified_at: string | null
  readonly notification_count: number
  readonly acknowledged_by: string | null
  readonly acknowledged_at: string | null
  readonly resolved_by: string | null
  readonly resolved_at: string | null
  readonly resolution: string | null
}

export const conditionHolds = (condition: Condition, value: number, threshold: number): boolean => {
  switch (condition) {
    case "greater_than":
      return value > threshold
    case "less_than":
      return value < threshold
    case "equals":
      return value === threshold
    case "greater_than_or_equal":
      return value >= threshold
    case "less_than_or_equal":
      return value <= threshold
    case "new_pattern":
      return value > 0 && value >= threshold
    case "pattern_spike":
      return value > threshold
  }
}

export const CONDITION_SYMBOLS: Record<Condition, string> = {
  greater_than: ">",
  less_than: "<",
  equals: "=",
  greater_than_or_equal: ">=",
  less_than_or_equal: "<=",
  new_pattern: ">=",
  pattern_spike: "> ×"
}

export const publicRule = ({ webhook_secret: _, ...rule }: AlertRuleWithSecret): AlertRule => rule

export const isSnoozed = (rule: AlertRule, now: number) => rule.snoozed_until !== null && Date.parse(rule.snoozed_until) > now
