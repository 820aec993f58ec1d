import { Effect, Option } from "effect"
import { Elysia } from "elysia"
import { AlertEngine } from "../../ports/alert-engine.ts"
import { ActorRegistry, actorSummary } from "../../ports/actor-registry.ts"
import { MetaDatabase } from "../../ports/meta-database.ts"
import { LogBus } from "../../ports/log-bus.ts"
import { LogStore } from "../../ports/log-store.ts"
import { RedisStatus } from "../../ports/redis-status.ts"
import { RetentionRunner } from "../../ports/retention-runner.ts"
import { VERSION } from "../../version.ts"
import type { Config } from "../../config.ts"
import type { RateLimiter } from "../../ports/rate-limiter.ts"
import type { TelemetryInstruments } from "../../ports/telemetry.ts"
import { rateLimitPlugin } from "../plugins/rate-limit.ts"
import type { RunEffect } from "../run-effect.ts"
import { consolePage, prefersHtml } from "./ui.ts"

/** `GET /` (what this is and where to go) and `GET /health` (overall status and one entry per component). */

const startedAt = Date.now()

const health = Effect.gen(function* () {
  const store = yield* LogStore
  const bus = yield* LogBus
  const registry = yield* ActorRegistry
  const storeHealth = yield* store.health
  const busHealth = yield* bus.health
  const databaseHealth = yield* Effect.flatMap(MetaDatabase, (db) => db.health)
  // Redis is optional and never fatal: when it is down, cache and limits run in process.
  const redis = Option.map(yield* Effect.serviceOption(RedisStatus), (c) => (c.isReady() ? "healthy" : "unhealthy"))
  const actors = registry.all().map(actorSummary)
  const alerting = yield* Effect.serviceOption(AlertEngine).pipe(
    Effect.flatMap(Option.match({ onNone: () => Effect.succeed(undefined), onSome: (engine) => engine.status }))
  )
  // Which process runs retention (the lease holder, in scale-out) and when it last ran.
  const retention = yield* Effect.serviceOption(RetentionRunner).pipe(
    Effect.flatMap(Option.match({ onNone: () => Effect.succeed(undefined), onSome: (runner) => runner.status }))
  )
  const healthy = storeHealth.status === "healthy" && busHealth.status === "healthy" && databaseHealth.status === "healthy"
  // One entry per external engine: Elasticsearch (or OpenSearch) by cluster colour, Kafka by reachability.
  const engines = {
    ...(storeHealth.details?.engine === "elasticsearch" ? { elasticsearch: String(storeHealth.details.cluster_status) } : {}),
    ...(storeHealth.details?.engine === "opensearch" ? { opensearch: String(storeHealth.details.cluster_status) } : {}),
    ...(busHealth.details?.engine === "kafka" ? { kafka: busHealth.status } : {})
  }
  return {
    status: healthy ? "healthy" : "unhealthy",
    timestamp: new Date().toISOString(),
    version: VERSION,
    uptime_seconds: Math.round((Date.now() - startedAt) / 1000),
    services: {
      log_store: storeHealth.status,
      log_bus: busHealth.status,
      ...engines,
      database: databaseHealth.status,
      ...Option.match(redis, { onNone: () => ({}), onSome: (status) => ({ redis: status }) })
    },
    details: {
      log_store: storeHealth.details ?? {},
      log_bus: { partitions: bus.partitionCount, ...busHealth.details },
      database: databaseHealth.details,
      ...(alerting ? { alerting } : {}),
      ...(retention ? { retention } : {}),
      actors
    }
  }
})

export const systemRoutes = (run: RunEffect<LogStore | LogBus | ActorRegistry | MetaDatabase | RateLimiter>, config: Config, telemetry: TelemetryInstruments) =>
  new Elysia({ name: "routes/system" })
    .use(rateLimitPlugin(run, config, telemetry))
    .get(
      "/",
      ({ request, set }) => {
        // A browser asking for a page gets the web console; API clients keep this JSON.
        set.headers.vary = "Accept"
        if (prefersHtml(request)) return consolePage()
        return {
          name: "LogFlow",
          version: VERSION,
          description: "Log aggregation and analysis",
          links: { console: "/ui/", docs: "/docs", health: "/health", ingest: "/api/v1/logs", search: "/api/v1/logs/search", recent: "/api/v1/logs/recent" }
        }
      },
      { rateLimit: "default", detail: { summary: "What this server is and where to go", tags: ["system"] } }
    )
    .get(
      "/health",
      async ({ set }) => {
        const report = await run(health)
        if (report.status !== "healthy") set.status = 503
        return report
      },
      { detail: { summary: "Health of LogFlow and the components it uses", tags: ["system"] } }
    )
