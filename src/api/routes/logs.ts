import { Effect, Option } from "effect"
import { Elysia } from "elysia"
import { z } from "zod"
import { InvalidInput, NotFound } from "../../domain/errors.ts"
import { toJson } from "../../domain/log-record.ts"
import { decodeCursor, type SearchRequest } from "../../domain/search-request.ts"
import { ulidTime } from "../../domain/ulid.ts"
import { type FacetField, LogStore, type SearchPage } from "../../ports/log-store.ts"
import type { ApiKeys } from "../../accounts/api-keys.ts"
import type { Users } from "../../accounts/users.ts"
import type { Config } from "../../config.ts"
import type { RateLimiter } from "../../ports/rate-limiter.ts"
import { authPlugin } from "../plugins/auth.ts"
import { errors } from "../plugins/errors.ts"
import { rateLimitPlugin } from "../plugins/rate-limit.ts"
import type { TelemetryInstruments } from "../../ports/telemetry.ts"
import type { QueryLimits } from "../../domain/query-cost.ts"
import { textQueryParam } from "../../domain/query-input.ts"
import { commaList, levelsParam, timeParam } from "../query-params.ts"
import type { RunEffect } from "../run-effect.ts"
import { searchDocs } from "./logs-docs.ts"
import { ATTRIBUTE_SAMPLE, attributeFacets } from "./attribute-facets.ts"
import { histogramByLevel } from "./histogram-levels.ts"

/** Log search, recent, facets, histogram, context and lookup by id (ingest: src/ingest/native/route.ts). */

export const SearchParams = z.object({
  query: z.string().max(4096).optional().describe('Full text: words, "exact phrases", prefix*, AND / OR / NOT, -word, parentheses'),
  service: z.string().max(4096).optional().describe("One service or several, comma-separated"),
  level: z.string().max(256).optional().describe("One level or several, comma-separated (TRACE DEBUG INFO WARN ERROR FATAL)"),
  from: z.string().max(64).optional().describe("Oldest event time: ISO-8601, epoch ms, or relative like now-15m"),
  to: z.string().max(64).optional().describe("Newest event time, same forms as from"),
  correlation_id: z.string().max(256).optional().describe("Only records with this correlation id"),
  trace_id: z.string().max(256).optional().describe("Only records with this trace id"),
  limit: z.coerce.number().int().min(1).max(1000).default(50).describe("Page size, at most 1000"),
  cursor: z.string().max(512).optional().describe("next_cursor of the previous page")
})
type SearchParams = z.infer<typeof SearchParams>

const FACET_FIELDS: ReadonlyArray<FacetField> = ["service", "level", "host"]
/** Facets count the newest matches up to this many, so a broad query stays fast. */
const FACET_SCAN_LIMIT = 100_000
const FacetParams = SearchParams.omit({ limit: true, cursor: true }).extend({
  fields: z.string().max(100).optional().describe("Comma-separated: service, level, host (default all)"),
  top: z.coerce.number().int().min(1).max(100).default(10).describe("Values per field"),
  attributes: z.coerce
    .number()
    .int()
    .min(0)
    .max(50)
    .default(0)
    .describe(`How many attribute keys to add (the most present among the newest ${ATTRIBUTE_SAMPLE} matches), each with its top values; 0: none`)
})

const HISTOGRAM_INTERVALS = { "1s": 1_000, "10s": 10_000, "1m": 60_000, "5m": 300_000, "15m": 900_000, "1h": 3_600_000, "1d": 86_400_000 } as const
const HistogramParams = SearchParams.omit({ limit: true, cursor: true }).extend({
  interval: z.enum(["auto", ...Object.keys(HISTOGRAM_INTERVALS)] as ["auto", ...Array<keyof typeof HISTOGRAM_INTERVALS>]).default("auto"),
  by: z.enum(["level"]).optional().describe("level: each bucket also counts its matches per level")
})
/** The smallest listed interval giving at most about 60 buckets over the range. */
const autoBucket = (rangeMs: number) => Object.values(HISTOGRAM_INTERVALS).find((ms) => rangeMs / ms <= 60) ?? HISTOGRAM_INTERVALS["1d"]

/** The query limits configured (SEARCH_MAX_TERMS, SEARCH_MAX_WILDCARDS). */
export const queryLimits = (config: Pick<Config, "SEARCH_MAX_TERMS" | "SEARCH_MAX_WILDCARDS">): QueryLimits => ({
  maxTerms: config.SEARCH_MAX_TERMS,
  maxWildcards: config.SEARCH_MAX_WILDCARDS
})

/** Validates the query parameters into a SearchRequest; errors name the parameter. */
export const toSearchRequest = (params: SearchParams, now: number, limits: QueryLimits): Effect.Effect<SearchRequest, InvalidInput> =>
  Effect.gen(function* () {
    const levels = yield* levelsParam(params.level)
    const from = yield* timeParam("from", params.from, now)
    const to = yield* timeParam("to", params.to, now)
    if (from !== undefined && to !== undefined && from > to) return yield* new InvalidInput({ field: "from", reason: "must not be after 'to'" })
    const text = params.query === undefined ? undefined : yield* textQueryParam("query", params.query, now, limits)
    let cursor: ReturnType<typeof decodeCursor> | undefined
    if (params.cursor !== undefined) {
      cursor = decodeCursor(params.cursor)
      if (!cursor) return yield* new InvalidInput({ field: "cursor", reason: "is not a cursor returned by this API" })
    }
    const services = commaList(params.service)
    return {
      limit: params.limit,
      ...(text ? { text } : {}),
      ...(services.length ? { services } : {}),
      ...(params.correlation_id ? { correlation_id: params.correlation_id } : {}),
      ...(params.trace_id ? { trace_id: params.trace_id } : {}),
      ...(levels.length ? { levels } : {}),
      ...(from !== undefined ? { from } : {}),
      ...(to !== undefined ? { to } : {}),
      ...(cursor ? { cursor } : {})
    }
  })

const pageJson = (page: SearchPage, tookMs: number) => ({
  total: page.total,
  total_is_lower_bound: page.total_is_lower_bound,
  logs: page.logs.map(toJson),
  next_cursor: page.next_cursor ?? null,
  took_ms: tookMs
})

/** Top values of the requested fields among the newest FACET_SCAN_LIMIT matches. */
const facets = (query: z.infer<typeof FacetParams>, limits: QueryLimits) =>
  Effect.gen(function* () {
    const request = yield* toSearchRequest({ ...query, limit: 1 }, Date.now(), limits)
    const fields = commaList(query.fields) as FacetField[]
    const unknown = fields.find((f) => !FACET_FIELDS.includes(f))
    if (unknown !== undefined) return yield* new InvalidInput({ field: "fields", reason: `'${unknown}' is not one of ${FACET_FIELDS.join(", ")}` })
    const facets = yield* Effect.flatMap(LogStore, (store) => store.facets(request, fields.length ? fields : FACET_FIELDS, query.top, FACET_SCAN_LIMIT))
    const attributes = query.attributes > 0 ? yield* attributeFacets(request, query.attributes, query.top) : {}
    return { ...facets, scan_limit: FACET_SCAN_LIMIT, ...attributes }
  })

/** Matches per bucket over the range (default: the last hour), empty buckets included. */
const histogram = (query: z.infer<typeof HistogramParams>, limits: QueryLimits) =>
  Effect.gen(function* () {
    const now = Date.now()
    const request = yield* toSearchRequest({ ...query, limit: 1 }, now, limits)
    const to = request.to ?? now
    const from = request.from ?? to - 3_600_000
    const bucketMs = query.interval === "auto" ? autoBucket(to - from) : HISTOGRAM_INTERVALS[query.interval]
    if ((to - from) / bucketMs > 2000)
      return yield* new InvalidInput({ field: "interval", reason: "more than 2000 buckets; widen the interval or narrow the range" })
    const range = { interval_ms: bucketMs, from: new Date(from).toISOString(), to: new Date(to).toISOString() }
    const starts: number[] = []
    for (let t = Math.floor(from / bucketMs) * bucketMs; t <= to; t += bucketMs) starts.push(t)
    if (query.by === "level") {
      const { levels, byBucket } = yield* histogramByLevel({ ...request, from, to }, bucketMs)
      const buckets = starts.map((t) => {
        const found = byBucket.get(t) ?? {}
        const counts = Object.fromEntries(levels.map((l) => [l, found[l] ?? 0]))
        return { timestamp: new Date(t).toISOString(), count: levels.reduce((n, l) => n + (found[l] ?? 0), 0), levels: counts }
      })
      return { ...range, levels, buckets }
    }
    const counts = yield* Effect.flatMap(LogStore, (store) => store.histogram({ ...request, from, to }, bucketMs))
    const byBucket = new Map(counts.map((c) => [c.bucket, c.count]))
    return { ...range, buckets: starts.map((t) => ({ timestamp: new Date(t).toISOString(), count: byBucket.get(t) ?? 0 })) }
  })

const validId = (id: string) =>
  ulidTime(id) === undefined ? Effect.fail(new InvalidInput({ field: "id", reason: "must be a ULID (26 Crockford base32 characters)" })) : Effect.void

/** The lines around a record from the same service (and host). */
const context = (id: string, linesBefore: number, linesAfter: number) =>
  Effect.gen(function* () {
    yield* validId(id)
    const found = yield* Effect.flatMap(LogStore, (store) => store.context(id, linesBefore, linesAfter))
    if (Option.isNone(found)) return yield* new NotFound({ what: `log ${id}` })
    const { before, record, after } = found.value
    return { before: before.map(toJson), record: toJson(record), after: after.map(toJson) }
  })

const recordById = (id: string) =>
  Effect.gen(function* () {
    yield* validId(id)
    const store = yield* LogStore
    const found = yield* store.get(id)
    if (Option.isNone(found)) return yield* new NotFound({ what: `log ${id}` })
    return toJson(found.value)
  })

export const logRoutes = (run: RunEffect<LogStore | Users | ApiKeys | RateLimiter>, config: Config, telemetry: TelemetryInstruments) => {
  const limits = queryLimits(config)
  const search = (params: SearchParams) =>
    Effect.gen(function* () {
      const started = performance.now()
      const request = yield* toSearchRequest(params, Date.now(), limits)
      const page = yield* Effect.flatMap(LogStore, (store) => store.search(request))
      return pageJson(page, Math.round((performance.now() - started) * 100) / 100)
    })

  return new Elysia({ name: "routes/logs", prefix: "/api/v1/logs" })
    .use(errors)
    .use(authPlugin(run, config, telemetry))
    .use(rateLimitPlugin(run, config, telemetry))
    .get("/search", ({ query }) => run(search(query)), { query: SearchParams, access: "read", rateLimit: "search", detail: searchDocs })
    .get("/recent", ({ query }) => run(search(query)), {
      query: SearchParams.pick({ service: true, level: true, limit: true, cursor: true }),
      access: "read",
      rateLimit: "recent",
      detail: { summary: "Newest logs, optionally of some services or levels", tags: ["logs"] }
    })
    .get("/facets", ({ query }) => run(facets(query, limits)), {
      query: FacetParams,
      access: "read",
      rateLimit: "search",
      detail: {
        summary: `Top values of service, level and host among the newest ${FACET_SCAN_LIMIT} matches; optionally the top attributes among the newest ${ATTRIBUTE_SAMPLE}`,
        tags: ["logs"]
      }
    })
    .get("/histogram", ({ query }) => run(histogram(query, limits)), {
      query: HistogramParams,
      access: "read",
      rateLimit: "search",
      detail: { summary: "Matches of a search per time bucket (default: the last hour, about 60 buckets), optionally per level", tags: ["logs"] }
    })
    .get("/:id/context", ({ params, query }) => run(context(params.id, query.before, query.after)), {
      params: z.object({ id: z.string().max(64) }),
      query: z.object({ before: z.coerce.number().int().min(0).max(500).default(20), after: z.coerce.number().int().min(0).max(500).default(20) }),
      access: "read",
      rateLimit: "lookup",
      detail: { summary: "The lines around a record from the same service (and host)", tags: ["logs"] }
    })
    .get("/:id", ({ params }) => run(recordById(params.id)), {
      params: z.object({ id: z.string().max(64) }),
      access: "read",
      rateLimit: "lookup",
      detail: { summary: "One log record by id", tags: ["logs"] }
    })
}
