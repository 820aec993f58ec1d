import { Effect } from "effect"
import { Elysia } from "elysia"
import { z } from "zod"
import type { Pipeline } from "../../ports/pipeline.ts"
import type { ActorRegistry } from "../../ports/actor-registry.ts"
import type { ApiKeys } from "../../accounts/api-keys.ts"
import type { Users } from "../../accounts/users.ts"
import type { Config } from "../../config.ts"
import { InvalidInput } from "../../domain/errors.ts"
import { parseLevel } from "../../domain/level.ts"
import { INTERVALS, MAX_BUCKETS, overview, serviceMetrics, systemMetrics, timeseries, type Interval } from "../../metrics/analytics.ts"
import type { Cache } from "../../ports/cache.ts"
import type { LogStore } from "../../ports/log-store.ts"
import type { RateLimiter } from "../../ports/rate-limiter.ts"
import { authPlugin } from "../plugins/auth.ts"
import { errors } from "../plugins/errors.ts"
import { rateLimitPlugin } from "../plugins/rate-limit.ts"
import { makeResponseCache } from "../response-cache.ts"
import type { TelemetryInstruments } from "../../ports/telemetry.ts"
import { cacheKeyPrefix } from "../../telemetry/prometheus.ts"
import { commaList, levelsParam, timeParam } from "../query-params.ts"
import type { RunEffect } from "../run-effect.ts"
import { serviceSeries } from "../../metrics/service-series.ts"

/** The metrics and analytics endpoints, each response cached for its endpoint's TTL. */

export const CACHE_TTL_SECONDS = { overview: 30, service: 60, system: 45, timeseries: 120, services: 60 } as const

const TimeseriesParams = z.object({
  interval: z
    .enum(Object.keys(INTERVALS) as [Interval, ...Interval[]])
    .default("5m")
    .describe("Bucket width"),
  from: z.string().max(64).optional().describe("Start: ISO-8601, epoch ms or now-<n><s|m|h|d|w>; default 60 buckets before `to`"),
  to: z.string().max(64).optional().describe("End, same forms; default now"),
  service: z.string().max(4096).optional().describe("One service or several, comma-separated"),
  level: z.string().max(256).optional().describe("One level or several, comma-separated")
})
type TimeseriesParams = z.infer<typeof TimeseriesParams>

const ServiceSeriesParams = TimeseriesParams.pick({ interval: true, from: true, to: true, service: true }).extend({
  limit: z.coerce.number().int().min(1).max(100).default(20).describe("Series for at most this many services, the busiest of the range")
})
type ServiceSeriesParams = z.infer<typeof ServiceSeriesParams>

const serviceSeriesKey = (params: ServiceSeriesParams) =>
  `metrics:services:${new URLSearchParams([
    ["from", params.from ?? ""],
    ["interval", params.interval],
    ["limit", String(params.limit)],
    ["service", commaList(params.service).join(",")],
    ["to", params.to ?? ""]
  ])}`

const resolveTimeseries = (params: TimeseriesParams, now: number) =>
  Effect.gen(function* () {
    const bucketMs = INTERVALS[params.interval] * 60_000
    const to = (yield* timeParam("to", params.to, now)) ?? now
    const from = (yield* timeParam("from", params.from, now)) ?? to - 59 * bucketMs
    if (from > to) return yield* new InvalidInput({ field: "from", reason: "must not be after 'to'" })
    if ((to - from) / bucketMs > MAX_BUCKETS) {
      return yield* new InvalidInput({
        field: "interval",
        reason: `the range holds more than ${MAX_BUCKETS} ${params.interval} buckets; widen the interval or narrow the range`
      })
    }
    const levels = yield* levelsParam(params.level)
    const services = commaList(params.service)
    return { interval: params.interval, from, to, ...(services.length ? { services } : {}), ...(levels.length ? { levels } : {}) }
  })

/** The cache key: the parameters as given (relative times stay relative), normalised and sorted. */
const timeseriesKey = (params: TimeseriesParams) =>
  `metrics:timeseries:${new URLSearchParams([
    ["from", params.from ?? ""],
    ["interval", params.interval],
    [
      "level",
      commaList(params.level)
        .map((l) => parseLevel(l) ?? l)
        .join(",")
    ],
    ["service", commaList(params.service).join(",")],
    ["to", params.to ?? ""]
  ])}`

type Services = LogStore | Pipeline | ActorRegistry | Cache | Users | ApiKeys | RateLimiter

export const metricsRoutes = (run: RunEffect<Services>, config: Config, telemetry: TelemetryInstruments) => {
  const cached = makeResponseCache(run, config.CACHE_ENABLED, (key, hit) =>
    (hit ? telemetry.cacheHits : telemetry.cacheMisses).inc({ cache_key_prefix: cacheKeyPrefix(key) })
  )
  return new Elysia({ name: "routes/metrics", prefix: "/api/v1/metrics" })
    .use(errors)
    .use(authPlugin(run, config, telemetry))
    .use(rateLimitPlugin(run, config, telemetry))
    .get("/overview", () => cached("metrics:overview", CACHE_TTL_SECONDS.overview, () => run(overview(Date.now()))), {
      access: "read",
      rateLimit: "metrics",
      detail: { summary: "Totals, rates over 1/5/15 minutes, levels, error rate and health per service, top errors (cached 30 s)", tags: ["metrics"] }
    })
    .get(
      "/service/:name",
      ({ params }) => cached(`metrics:service:${params.name}`, CACHE_TTL_SECONDS.service, () => run(serviceMetrics(params.name, Date.now()))),
      {
        params: z.object({ name: z.string().min(1).max(128) }),
        access: "read",
        rateLimit: "metrics",
        detail: { summary: "One service's counts, rates, error rate, health and top errors; 404 for a service never seen (cached 60 s)", tags: ["metrics"] }
      }
    )
    .get("/system", () => cached("metrics:system", CACHE_TTL_SECONDS.system, () => run(systemMetrics(Date.now()))), {
      access: "read",
      rateLimit: "metrics",
      detail: { summary: "Ingest rate, queue depths, indexer batches and latency, store size, process memory and CPU (cached 45 s)", tags: ["metrics"] }
    })
    .get(
      "/timeseries",
      ({ query }) => cached(timeseriesKey(query), CACHE_TTL_SECONDS.timeseries, () => run(Effect.flatMap(resolveTimeseries(query, Date.now()), timeseries))),
      {
        query: TimeseriesParams,
        access: "read",
        rateLimit: "metrics",
        detail: { summary: "Log counts per bucket (by level), gaps zero-filled (cached 120 s)", tags: ["metrics"] }
      }
    )
    .get(
      "/services",
      ({ query }) =>
        cached(serviceSeriesKey(query), CACHE_TTL_SECONDS.services, () =>
          run(Effect.flatMap(resolveTimeseries(query, Date.now()), (range) => serviceSeries({ ...range, limit: query.limit })))
        ),
      {
        query: ServiceSeriesParams,
        access: "read",
        rateLimit: "metrics",
        detail: {
          summary: "Logs and errors per bucket for each of the busiest services of the range, gaps zero-filled (cached 60 s)",
          tags: ["metrics"]
        }
      }
    )
}
