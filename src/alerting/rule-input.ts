import { Effect } from "effect"
import { z } from "zod"
import { InvalidInput } from "../domain/errors.ts"
import { parseLevel } from "../domain/level.ts"
import type { QueryLimits } from "../domain/query-cost.ts"
import { textQueryParam } from "../domain/query-input.ts"
import { type AlertRule, type Channel, CHANNELS, CONDITIONS, isPatternCondition } from "../domain/alert-rule.ts"
import { refusedTarget, type WebhookAllowList } from "./ssrf-guard.ts"

/**
 * What a client may send to create or change a rule. The body schema checks each field's type
 * and range (Elysia answers 400 naming it); `validateRule` then checks what depends on several
 * fields or on the server: levels, the query, the channel's settings, the webhook target.
 */

export const RuleFields = z.object({
  name: z.string().trim().min(1).max(200),
  description: z.string().max(2000).nullable(),
  condition: z.enum(CONDITIONS),
  threshold: z.number().min(0).max(1e12),
  time_window: z.number().int().min(1, "at least 1 minute").max(10_080, "at most 7 days (10080 minutes)").describe("Minutes"),
  baseline: z
    .number()
    .int()
    .min(1, "at least 1 minute")
    .max(43_200, "at most 30 days (43200 minutes)")
    .nullable()
    .describe("new_pattern, pattern_spike: minutes before the window to compare with (default 1440)"),
  levels: z.array(z.string().max(32)).max(6),
  services: z.array(z.string().min(1).max(200)).max(100),
  query: z.string().max(4096).nullable().describe("Query language the logs must also match"),
  notification_channel: z.enum(CHANNELS),
  notification_config: z.record(z.string(), z.unknown()).describe("webhook/slack: {url}; email: {to: [addresses]}"),
  is_active: z.boolean(),
  evaluation_interval: z.number().int().min(1).max(86_400).describe("Seconds between evaluations"),
  cooldown: z.number().int().min(0).max(10_080).describe("Minutes between repeat notifications while firing; 0: no repeats")
})

export const NewRuleBody = RuleFields.partial().required({ name: true, condition: true, threshold: true, time_window: true })
export const RuleChangesBody = RuleFields.partial()
export type RuleFields = z.infer<typeof RuleFields>

export const RULE_DEFAULTS = {
  description: null,
  levels: [],
  services: [],
  query: null,
  baseline: null,
  notification_channel: "console",
  notification_config: {},
  is_active: true,
  evaluation_interval: 60,
  cooldown: 5
} satisfies Partial<RuleFields>

/** A rule's settings once validated: levels normalised, channel settings checked. */
export type ValidRule = Pick<AlertRule, keyof RuleFields>

export interface RuleChecks {
  readonly allowList: WebhookAllowList
  readonly emailConfigured: boolean
  /** A rule's query is held to the limits of a search (it runs as one at every evaluation). */
  readonly queryLimits: QueryLimits
}

const Email = z.email()

/** What a pattern rule compares its window with, unless it says: the day before. */
const DEFAULT_BASELINE_MINUTES = 1_440

const channelConfig = (channel: Channel, config: Readonly<Record<string, unknown>>, checks: RuleChecks) =>
  Effect.gen(function* () {
    const bad = (key: string, reason: string) => new InvalidInput({ field: `notification_config.${key}`, reason })
    switch (channel) {
      case "console":
        return {}
      case "webhook":
      case "slack": {
        const url = config.url
        if (typeof url !== "string" || url.length > 2048) return yield* bad("url", `a ${channel} rule needs the URL to POST to`)
        const refused = yield* Effect.promise(() => refusedTarget(url, checks.allowList))
        if (refused) return yield* bad("url", refused)
        return { url }
      }
      case "email": {
        if (!checks.emailConfigured) {
          return yield* new InvalidInput({ field: "notification_channel", reason: "email needs SMTP_HOST configured on the server" })
        }
        const to = typeof config.to === "string" ? [config.to] : config.to
        if (!Array.isArray(to) || to.length === 0 || to.length > 50 || !to.every((a) => Email.safeParse(a).success)) {
          return yield* bad("to", "an email rule needs 'to': one address or a list of up to 50")
        }
        return { to }
      }
    }
  })

export const validateRule = (fields: RuleFields, checks: RuleChecks, now: number): Effect.Effect<ValidRule, InvalidInput> =>
  Effect.gen(function* () {
    const levels = yield* Effect.forEach(fields.levels, (name) => {
      const level = parseLevel(name)
      return level
        ? Effect.succeed(level)
        : Effect.fail(new InvalidInput({ field: "levels", reason: `unknown level '${name}'; use TRACE, DEBUG, INFO, WARN, ERROR or FATAL` }))
    })
    const query = fields.query?.trim() || null
    if (query !== null) yield* textQueryParam("query", query, now, checks.queryLimits)
    return {
      ...fields,
      baseline: isPatternCondition(fields.condition) ? (fields.baseline ?? DEFAULT_BASELINE_MINUTES) : null,
      levels: [...new Set(levels)],
      services: [...new Set(fields.services)],
      query,
      notification_config: yield* channelConfig(fields.notification_channel, fields.notification_config, checks)
    }
  })
