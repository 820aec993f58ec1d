import { Clock, Effect, Option } from "effect"
import { Elysia } from "elysia"
import { z } from "zod"
import { AlertEngine } from "../../ports/alert-engine.ts"
import type { ApiKeys } from "../../accounts/api-keys.ts"
import type { Principal, UserWithSecrets } from "../../accounts/user.ts"
import type { Users } from "../../accounts/users.ts"
import { type AlertRuleWithSecret, publicRule } from "../../domain/alert-rule.ts"
import { queryLimits } from "./logs.ts"
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
  baseline: rule.baseline,
  levels: [...rule.levels],
  services: [...rule.services],
  query: rule.query,
  notification_channel: rule.notification_channel,
  notification_config: rule.notification_config,
  is_active: rule.is_active,
  evaluation_interval: rule.evaluation_interval,
  cooldown: rule.cooldown
})

type RuleBody = z.infer<typeof NewRuleBody>
type RuleChanges = z.infer<typeof RuleChangesBody>

/** What each route does, as effects; the owner or an admin may change a rule, anyone with read access see it. */
const ruleActions = (config: Config) => {
  const checks: RuleChecks = {
    allowList: parseAllowList(config.ALERT_WEBHOOK_ALLOWED_HOSTS),
    emailConfigured: config.SMTP_HOST !== undefined,
    queryLimits: queryLimits(config)
  }
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
  const snoozeUntil = (id: string, until: string | null) =>
    Effect.flatMap(AlertRules, (rules) => rules.snooze(id, until)).pipe(found<AlertRuleWithSecret>(`alert rule ${id}`))

  return {
    create: (body: RuleBody, account: UserWithSecrets) =>
      Effect.gen(function* () {
        const valid = yield* validateRule({ ...RULE_DEFAULTS, ...body }, checks, yield* Clock.currentTimeMillis)
        const rule = yield* Effect.flatMap(AlertRules, (rules) => rules.create(account.id, valid))
        yield* rulesChanged
        return rule
      }),
    list: (query: z.infer<typeof RuleListQuery>) =>
      Effect.flatMap(AlertRules, (rules) =>
        rules.list({ ...(query.is_active === undefined ? {} : { isActive: query.is_active === "true" }), limit: query.limit, offset: query.offset })
      ),
    read: ruleById,
    update: (id: string, body: RuleChanges, account: UserWithSecrets) =>
      Effect.gen(function* () {
        const current = yield* ownRule(id, account)
        const valid = yield* validateRule({ ...fieldsOf(current), ...body }, checks, yield* Clock.currentTimeMillis)
        const updated = yield* Effect.flatMap(AlertRules, (rules) => rules.update(id, valid)).pipe(found<AlertRuleWithSecret>(`alert rule ${id}`))
        yield* rulesChanged
        return updated
      }),
    remove: (id: string, account: UserWithSecrets) =>
      Effect.gen(function* () {
        yield* ownRule(id, account)
        yield* Effect.flatMap(AlertRules, (rules) => rules.delete(id))
        yield* rulesChanged
      }),
    snooze: (id: string, body: z.infer<typeof Snooze>, account: UserWithSecrets) =>
      Effect.gen(function* () {
        yield* ownRule(id, account)
        const now = yield* Clock.currentTimeMillis
        const until = body.minutes !== undefined ? now + body.minutes * 60_000 : yield* timeParam("to", body.until, now)
        if (until === undefined) return yield* new InvalidInput({ field: "until", reason: "give 'until' (a time) or 'minutes'" })
        if (until <= now) return yield* new InvalidInput({ field: "until", reason: "must be in the future" })
        return yield* snoozeUntil(id, new Date(until).toISOString())
      }),
    unsnooze: (id: string, account: UserWithSecrets) => Effect.zipRight(ownRule(id, account), snoozeUntil(id, null))
  }
}

/** Alert rules: create, list, read, change, delete, snooze (changes by the owner or an admin). */
export const alertRuleRoutes = (run: RunEffect<Services>, config: Config, telemetry: TelemetryInstruments) => {
  const rules = ruleActions(config)
  const detail = (summary: string) => ({ summary, tags: ["alerts"] })
  return new Elysia({ name: "routes/alert-rules", prefix: "/api/v1/alerts" })
    .use(errors)
    .use(authPlugin(run, config, telemetry))
    .use(rateLimitPlugin(run, config, telemetry))
    .post(
      "/rules",
      async ({ body, account, set }) => {
        const rule = await run(rules.create(body, account))
        set.status = 201
        return ruleView(rule, account)
      },
      { auth: "user", rateLimit: "default", body: NewRuleBody, detail: detail("Create an alert rule") }
    )
    .get("/rules", ({ query, principal }) => run(rules.list(query)).then((list) => list.map((rule) => ruleView(rule, principal?.user))), {
      access: "read",
      rateLimit: "default",
      query: RuleListQuery,
      detail: detail("List alert rules")
    })
    .get("/rules/:id", ({ params, principal }) => run(rules.read(params.id)).then((rule) => ruleView(rule, principal?.user)), {
      access: "read",
      rateLimit: "default",
      params: IdParam,
      detail: detail("One alert rule")
    })
    .put("/rules/:id", ({ params, body, account }) => run(rules.update(params.id, body, account)).then((rule) => ruleView(rule, account)), {
      auth: "user",
      rateLimit: "default",
      params: IdParam,
      body: RuleChangesBody,
      detail: detail("Change an alert rule (owner or admin); its evaluator restarts")
    })
    .delete(
      "/rules/:id",
      async ({ params, account, set }) => {
        await run(rules.remove(params.id, account))
        set.status = 204
      },
      { auth: "user", rateLimit: "default", params: IdParam, detail: detail("Delete an alert rule and its history (owner or admin)") }
    )
    .post("/rules/:id/snooze", ({ params, body, account }) => run(rules.snooze(params.id, body, account)).then((rule) => ruleView(rule, account)), {
      auth: "user",
      rateLimit: "default",
      params: IdParam,
      body: Snooze,
      detail: detail("Snooze a rule: it keeps recording alerts but notifies nobody until then")
    })
    .delete("/rules/:id/snooze", ({ params, account }) => run(rules.unsnooze(params.id, account)).then((rule) => ruleView(rule, account)), {
      auth: "user",
      rateLimit: "default",
      params: IdParam,
      detail: detail("End a rule's snooze")
    })
}
