import { Clock, Effect } from "effect"
import { Elysia } from "elysia"
import { z } from "zod"
import type { ApiKeys } from "../../accounts/api-keys.ts"
import type { Users } from "../../accounts/users.ts"
import { TriggeredAlerts } from "../../alerting/triggered.ts"
import type { Config } from "../../config.ts"
import { ALERT_STATUSES } from "../../domain/alert-rule.ts"
import { NotificationLog } from "../../ports/notification-log.ts"
import type { RateLimiter } from "../../ports/rate-limiter.ts"
import type { TelemetryInstruments } from "../../ports/telemetry.ts"
import { authPlugin } from "../plugins/auth.ts"
import { errors } from "../plugins/errors.ts"
import { rateLimitPlugin } from "../plugins/rate-limit.ts"
import { timeParam } from "../query-params.ts"
import type { RunEffect } from "../run-effect.ts"
import { found, IdParam, Page } from "./alert-params.ts"

/** Triggered alerts: list, read, their notification attempts, acknowledge and resolve. */

const AlertListQuery = z.object({
  status: z.enum(ALERT_STATUSES).optional(),
  rule_id: z.string().max(64).optional(),
  from: z.string().max(64).optional().describe("Triggered at or after: ISO-8601, epoch ms or now-<n><s|m|h|d|w>"),
  to: z.string().max(64).optional(),
  ...Page
})
const Resolution = z.object({ resolution: z.string().max(2000).optional() }).optional()

export const triggeredAlertRoutes = (
  run: RunEffect<TriggeredAlerts | NotificationLog | Users | ApiKeys | RateLimiter>,
  config: Config,
  telemetry: TelemetryInstruments
) =>
  new Elysia({ name: "routes/triggered-alerts", prefix: "/api/v1/alerts" })
    .use(errors)
    .use(authPlugin(run, config, telemetry))
    .use(rateLimitPlugin(run, config, telemetry))
    .get(
      "/triggered",
      ({ query }) =>
        run(
          Effect.gen(function* () {
            const now = yield* Clock.currentTimeMillis
            const from = yield* timeParam("from", query.from, now)
            const to = yield* timeParam("to", query.to, now)
            const page = yield* Effect.flatMap(TriggeredAlerts, (alerts) =>
              alerts.list({
                ...(query.status ? { status: query.status } : {}),
                ...(query.rule_id ? { ruleId: query.rule_id } : {}),
                ...(from !== undefined ? { from: new Date(from).toISOString() } : {}),
                ...(to !== undefined ? { to: new Date(to).toISOString() } : {}),
                limit: query.limit,
                offset: query.offset
              })
            )
            return { ...page, limit: query.limit, offset: query.offset }
          })
        ),
      { access: "read", rateLimit: "default", query: AlertListQuery, detail: { summary: "Triggered alerts, newest first", tags: ["alerts"] } }
    )
    .get("/triggered/:id", ({ params }) => run(Effect.flatMap(TriggeredAlerts, (alerts) => alerts.byId(params.id)).pipe(found(`alert ${params.id}`))), {
      access: "read",
      rateLimit: "default",
      params: IdParam,
      detail: { summary: "One triggered alert", tags: ["alerts"] }
    })
    .get(
      "/triggered/:id/notifications",
      ({ params }) =>
        run(
          Effect.gen(function* () {
            yield* Effect.flatMap(TriggeredAlerts, (alerts) => alerts.byId(params.id)).pipe(found(`alert ${params.id}`))
            return { attempts: yield* Effect.flatMap(NotificationLog, (log) => log.forAlert(params.id)) }
          })
        ),
      { access: "read", rateLimit: "default", params: IdParam, detail: { summary: "Every delivery attempt of the alert's notifications", tags: ["alerts"] } }
    )
    .post(
      "/triggered/:id/acknowledge",
      ({ params, account }) => run(Effect.flatMap(TriggeredAlerts, (alerts) => alerts.acknowledge(params.id, account.username, new Date().toISOString()))),
      {
        auth: "user",
        rateLimit: "default",
        params: IdParam,
        detail: { summary: "Acknowledge a firing alert: no more repeat notifications (409 unless firing)", tags: ["alerts"] }
      }
    )
    .post(
      "/triggered/:id/resolve",
      ({ params, body, account }) =>
        run(
          Effect.flatMap(TriggeredAlerts, (alerts) =>
            alerts.resolve(params.id, account.username, body?.resolution ?? "resolved by hand", new Date().toISOString())
          )
        ),
      {
        auth: "user",
        rateLimit: "default",
        params: IdParam,
        body: Resolution,
        detail: { summary: "Resolve an alert (409 if already resolved)", tags: ["alerts"] }
      }
    )
