/** Shapes of the alerting API, from the server's own definitions; plus how the console shows conditions. */
import type { AlertRule, Condition, TriggeredAlert } from "../src/domain/alert-rule.ts"

export { CHANNELS, conditionHolds, type AlertStatus, type Channel, type Condition, type TriggeredAlert } from "../src/domain/alert-rule.ts"
export { LEVELS } from "../src/domain/log-record.ts"

/** Each condition's sign, in the order the rule form offers them. */
export const CONDITIONS: Readonly<Record<Condition, string>> = {
  greater_than: ">",
  greater_than_or_equal: "≥",
  less_than: "<",
  less_than_or_equal: "≤",
  equals: "=",
  new_pattern: "new pattern ≥",
  pattern_spike: "pattern spike, × baseline >"
}

/** A rule as the API shows it; the owner and admins also see the key that signs its webhook deliveries. */
export type Rule = AlertRule & { readonly webhook_secret?: string | null }

export interface TriggeredPage {
  readonly alerts: ReadonlyArray<TriggeredAlert>
  readonly total: number
  readonly limit: number
  readonly offset: number
}
