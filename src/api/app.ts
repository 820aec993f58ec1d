import { cors } from "@elysiajs/cors"
import { Elysia } from "elysia"
import type { ActorRegistry } from "../ports/actor-registry.ts"
import type { Accounts } from "../accounts/accounts.ts"
import type { ApiKeys } from "../accounts/api-keys.ts"
import type { Users } from "../accounts/users.ts"
import type { MetaDatabase } from "../ports/meta-database.ts"
import type { Config } from "../config.ts"
import type { LogBus } from "../ports/log-bus.ts"
import type { LogStore } from "../ports/log-store.ts"
import type { RateLimiter } from "../ports/rate-limiter.ts"
import type { Cache } from "../ports/cache.ts"
import type { Pipeline } from "../ports/pipeline.ts"
import type { RetentionRunner } from "../ports/retention-runner.ts"
import type { Retention } from "../ports/retention-settings.ts"
import type { AlertEngine } from "../ports/alert-engine.ts"
import type { AlertRules } from "../alerting/rules.ts"
import type { TriggeredAlerts } from "../alerting/triggered.ts"
import type { NotificationLog } from "../ports/notification-log.ts"
import type { PatternStore } from "../ports/pattern-store.ts"
import type { TelemetryInstruments } from "../ports/telemetry.ts"
import { errors } from "./plugins/errors.ts"
import { apiDocs } from "./routes/api-docs.ts"
import { httpMetrics } from "./plugins/http-metrics.ts"
import { queryLists } from "./plugins/query-lists.ts"
import { prometheusRoutes } from "./routes/prometheus.ts"
import { tailRoutes } from "./routes/tail.ts"
import { traceRoutes } from "./routes/trace.ts"
import { adminConfigRoutes } from "./routes/admin-config.ts"
import { alertRuleRoutes } from "./routes/alerts.ts"
import { triggeredAlertRoutes } from "./routes/alerts-triggered.ts"
import { adminStateRoutes } from "./routes/admin-state.ts"
import { authRoutes } from "./routes/auth.ts"
import { metricsRoutes } from "./routes/metrics.ts"
import { logRoutes } from "./routes/logs.ts"
import { patternRoutes } from "./routes/patterns.ts"
import { nativeIngestRoutes } from "../ingest/native/route.ts"
import { otlpRoutes } from "../ingest/otlp/route.ts"
import { esBulkRoutes, esCompatRoutes } from "../ingest/es-bulk/route.ts"
import { esSearchRoutes } from "./routes/es-search.ts"
import { lokiRoutes } from "../ingest/loki/route.ts"
import { lokiQueryRoutes } from "./routes/loki/routes.ts"
import { systemRoutes } from "./routes/system.ts"
import { uiRoutes } from "./routes/ui.ts"
import type { RunEffect } from "./run-effect.ts"

export type AppServices =
  | LogBus
  | LogStore
  | ActorRegistry
  | MetaDatabase
  | Users
  | ApiKeys
  | Accounts
  | RateLimiter
  | Cache
  | Pipeline
  | Retention
  | RetentionRunner
  | AlertRules
  | TriggeredAlerts
  | NotificationLog
  | AlertEngine
  | PatternStore

/** Browsers may call the API only from the configured origins; with none configured, no CORS headers at all. */
const corsFor = (origins: string) => {
  const allowed = origins
    .split(",")
    .map((o) => o.trim())
    .filter((o) => o !== "")
  return allowed.length === 0
    ? new Elysia({ name: "cors-off" })
    : cors({
        origin: allowed.includes("*") ? true : allowed,
        credentials: false,
        allowedHeaders: ["authorization", "content-type", "x-api-key", "x-correlation-id", "traceparent"],
        exposeHeaders: ["x-request-id", "x-correlation-id", "retry-after", "x-cache"]
      })
}

/** The HTTP API: cross-cutting plugins first, then one module per feature. */
export const makeApp = (run: RunEffect<AppServices>, config: Config, telemetry: TelemetryInstruments) =>
  new Elysia()
    .use(errors)
    .use(queryLists)
    .use(httpMetrics(telemetry))
    .use(corsFor(config.CORS_ORIGINS))
    .use(apiDocs())
    .use(systemRoutes(run, config, telemetry))
    .use(prometheusRoutes(telemetry, config))
    .use(authRoutes(run, config, telemetry))
    .use(tailRoutes(run, config, telemetry))
    .use(nativeIngestRoutes(run, config, telemetry))
    .use(patternRoutes(run, config, telemetry))
    .use(logRoutes(run, config, telemetry))
    .use(otlpRoutes(run, config, telemetry))
    .use(esSearchRoutes(run, config, telemetry))
    .use(esCompatRoutes(run, config, telemetry))
    .use(esBulkRoutes(run, config, telemetry))
    .use(esSearchRoutes(run, config, telemetry, ""))
    .use(lokiRoutes(run, config, telemetry))
    .use(lokiQueryRoutes(run, config, telemetry))
    .use(metricsRoutes(run, config, telemetry))
    .use(adminStateRoutes(run, config, telemetry))
    .use(traceRoutes(run, config, telemetry))
    .use(adminConfigRoutes(run, config, telemetry))
    .use(alertRuleRoutes(run, config, telemetry))
    .use(triggeredAlertRoutes(run, config, telemetry))
    .use(uiRoutes())
