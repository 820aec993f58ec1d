import { Clock, Effect, Option } from "effect"
import { Elysia } from "elysia"
import { z } from "zod"
import { AlertEngine } from "../../ports/alert-engine.ts"
import type { ApiKeys } from "../../accounts/api-keys.ts"
import type { Principal, UserWithSecrets } from "../../accounts/user.ts"
import type { Users } from "../../accounts/users.ts"
import { type AlertRuleWithSecret, publicRule } from "../../domain/alert-rule.ts"
import { NewRuleBody, RULE_DEFAULTS, RuleChangesBody, type RuleChecks, type RuleFields, validateRule } from "../../alerting/rule-input.ts"
import { AlertRules } from "../../alerting/rules.ts"
import { parseAllowList } from "../../alerting/ssrf-guard.ts"
import type { Config } from "../../config.ts"
import { InvalidInput, NotFound } from "../../domain/errors.ts"
import type { RateLimiter } from "../../ports/rate-limiter.ts"
import type { TelemetryInstruments } from "../../ports/telemetry.ts"
import { authPlugin, Forbidden } from "../plugins/auth.ts"
import { errors } from "../plugins/errors.ts"
import { rateLimitPlugin } from "../plugins/rate-limit.ts"
import { timeParam } from "../query-params.ts"
import type { RunEffect } from "../run-effect.ts"
import { found, IdParam, Page } from "./alert-params.ts"

/** Alert rules (the documented contract, plus snooze); triggered alerts are in alerts-triggered.ts. */

const RuleListQuery = z.object({ is_active: z.enum(["true", "false"]).optional(), ...Page })
const Snooze = z.object({
  until: z.string().max(64).optional().describe("ISO-8601 time the snooze ends"),
  minutes: z.number().int().min(1).max(525_600).optional().describe("Or: snooze for this many minutes")
})

type Services = AlertRules | AlertEngine | Users | ApiKeys | RateLimiter

const mayChange = (rule: AlertRuleWithSecret, account: UserWithSecrets) => account.is_admin || rule.owner_id === account.id

/** Others may see that a rule notifies somewhere, not the webhook URL (often a secret) or the addresses. */
const redacted = (config: Readonly<Record<string, unknown>>) => {
  const out: Record<string, unknown> = { ...config }
  if (typeof out.url === "string") out.url = URL.canParse(out.url) ? `${new URL(out.url).origin}/…` : "…"
  if (Array.isArray(out.to)) out.to = out.to.map((a) => String(a).replace(/^(.).*@/, "$1…@"))
  return out
}

/** The owner and admins see the whole rule, with the secret that signs its webhooks. */
const ruleView = (rule: AlertRuleWithSecret, viewer: Principal["user"] | UserWithSecrets | undefined) =>
  viewer && (viewer.is_admin || viewer.id === rule.owner_id)
    ? { ...publicRule(rule), webhook_secret: rule.webhook_secret }
    : { ...publicRule(rule), notification_config: redacted(rule.notification_config) }

const fieldsOf = (rule: AlertRuleWithSecret): RuleFields => ({
  name: rule.name,
  description: rule.description,
  condition: rule.condition,
  threshold: rule.threshold,
  time_window: rule.time_window,
  levels: [...rule.levels],
  services: [...rule.services],
  query: rule.query,
  notification_channel: rule.notification_channel,
  notification_config: rule.notification_config,
  is_active: rule.is_active,
  evaluation_interval: rule.evaluation_interval,
  cooldown: rule.cooldown
})

/** Alert rules: create, list, read, change, delete, snooze (changes by the owner or an admin). */
export const alertRuleRoutes = (run: RunEffect<Services>, config: Config, telemetry: TelemetryInstruments) => {
  const checks: RuleChecks = { allowList: parseAllowList(config.ALERT_WEBHOOK_ALLOWED_HOSTS), emailConfigured: config.SMTP_HOST !== undefined }
  const rulesChanged = Effect.flatMap(AlertEngine, (engine) => engine.rulesChanged)

  const ruleById = (id: string) =>
    Effect.flatMap(AlertRules, (rules) => rules.byId(id)).pipe(
      Effect.flatMap(Option.match({ onNone: () => Effect.fail(new NotFound({ what: `alert rule ${id}` })), onSome: Effect.succeed }))
    )
  /** The rule, when the account may change it: 404 if there is none, 403 if it is someone else's. */
  const ownRule = (id: string, account: UserWithSecrets) =>
    Effect.filterOrFail(
      ruleById(id),
      (rule) => mayChange(rule, account),
      () => new Forbidden({ message: "only the rule's owner or an administrator may change it" })
    )

  return new Elysia({ name: "routes/alert-rules", prefix: "/api/v1/alerts" })
    .use(errors)
    .use(authPlugin(run, config, telemetry))
    .use(rateLimitPlugin(run, config, telemetry))
    .post(
      "/rules",
      async ({ body, account, set }) => {
        const rule = await run(
          Effect.gen(function* () {
            const valid = yield* validateRule({ ...RULE_DEFAULTS, ...body }, checks, yield* Clock.currentTimeMillis)
            const rule = yield* Effect.flatMap(AlertRules, (rules) => rules.create(account.id, valid))
            yield* rulesChanged
            return rule
          })
        )
        set.status = 201
        return ruleView(rule, account)
      },
      { auth: "user", rateLimit: "default", body: NewRuleBody, detail: { summary: "Create an alert rule", tags: ["alerts"] } }
    )
    .get(
      "/rules",
      ({ query, principal }) =>
        run(
          Effect.flatMap(AlertRules, (rules) =>
            rules.list({
              ...(query.is_active === undefined ? {} : { isActive: query.is_active === "true" }),
              limit: query.limit,
              offset: query.offset
            })
          )
        ).then((rules) => rules.map((rule) => ruleView(rule, principal?.user))),
      {
        access: "read",
        rateLimit: "default",
        query: RuleListQuery,
        detail: { summary: "List alert rules", tags: ["alerts"] }
      }
    )
    .get("/rules/:id", ({ params, principal }) => run(ruleById(params.id)).then((rule) => ruleView(rule, principal?.user)), {
      access: "read",
      rateLimit: "default",
      params: IdParam,
      detail: { summary: "One alert rule", tags: ["alerts"] }
    })
    .put(
      "/rules/:id",
      ({ params, body, account }) =>
        run(
          Effect.gen(function* () {
            const current = yield* ownRule(params.id, account)
            const valid = yield* validateRule({ ...fieldsOf(current), ...body }, checks, yield* Clock.currentTimeMillis)
            const updated = yield* Effect.flatMap(AlertRules, (rules) => rules.update(params.id, valid)).pipe(
              found<AlertRuleWithSecret>(`alert rule ${params.id}`)
            )
            yield* rulesChanged
            return ruleView(updated, account)
          })
        ),
      {
        auth: "user",
        rateLimit: "default",
        params: IdParam,
        body: RuleChangesBody,
        detail: { summary: "Change an alert rule (owner or admin); its evaluator restarts", tags: ["alerts"] }
      }
    )
    .delete(
      "/rules/:id",
      async ({ params, account, set }) => {
        await run(
          Effect.gen(function* () {
            yield* ownRule(params.id, account)
            yield* Effect.flatMap(AlertRules, (rules) => rules.delete(params.id))
            yield* rulesChanged
          })
        )
        set.status = 204
      },
      { auth: "user", rateLimit: "default", params: IdParam, detail: { summary: "Delete an alert rule and its history (owner or admin)", tags: ["alerts"] } }
    )
    .post(
      "/rules/:id/snooze",
      ({ params, body, account }) =>
        run(
          Effect.gen(function* () {
            yield* ownRule(params.id, account)
            const now = yield* Clock.currentTimeMillis
            const until = body.minutes !== undefined ? now + body.minutes * 60_000 : yield* timeParam("to", body.until, now)
            if (until === undefined) return yield* new InvalidInput({ field: "until", reason: "give 'until' (a time) or 'minutes'" })
            if (until <= now) return yield* new InvalidInput({ field: "until", reason: "must be in the future" })
            const rule = yield* Effect.flatMap(AlertRules, (rules) => rules.snooze(params.id, new Date(until).toISOString())).pipe(
              found<AlertRuleWithSecret>(`alert rule ${params.id}`)
            )
            return ruleView(rule, account)
          })
        ),
      {
        auth: "user",
        rateLimit: "default",
        params: IdParam,
        body: Snooze,
        detail: { summary: "Snooze a rule: it keeps recording alerts but notifies nobody until then", tags: ["alerts"] }
      }
    )
    .delete(
      "/rules/:id/snooze",
      ({ params, account }) =>
        run(
          Effect.gen(function* () {
            yield* ownRule(params.id, account)
            const rule = yield* Effect.flatMap(AlertRules, (rules) => rules.snooze(params.id, null)).pipe(found<AlertRuleWithSecret>(`alert rule ${params.id}`))
            return ruleView(rule, account)
          })
        ),
      { auth: "user", rateLimit: "default", params: IdParam, detail: { summary: "End a rule's snooze", tags: ["alerts"] } }
    )
}
