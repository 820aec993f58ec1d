import { Effect } from "effect"
import { Elysia } from "elysia"
import type { ApiKeys } from "../../accounts/api-keys.ts"
import type { Users } from "../../accounts/users.ts"
import type { Config } from "../../config.ts"
import { readText } from "../../ingest/request.ts"
import { LogStore } from "../../ports/log-store.ts"
import type { RateLimiter } from "../../ports/rate-limiter.ts"
import type { TelemetryInstruments } from "../../ports/telemetry.ts"
import { esErrorBody } from "../../query/es-dsl/error-body.ts"
import { EsDslError } from "../../query/es-dsl/errors.ts"
import { executeSearch, type RunBounds } from "../../query/es-dsl/execute.ts"
import { attributeTypes, catIndices, fieldCapsBody, INDEX, mappingBody, resolveIndex } from "../../query/es-dsl/mapping.ts"
import { parseMsearch, parseSearchBody } from "../../query/es-dsl/msearch.ts"
import { planSearch, type SearchLimits } from "../../query/es-dsl/request.ts"
import { authPlugin } from "../plugins/auth.ts"
import { errors } from "../plugins/errors.ts"
import { rateLimitPlugin } from "../plugins/rate-limit.ts"
import type { RunEffect } from "../run-effect.ts"

/**
 * The read side of the Elasticsearch-compatible API under ES_COMPAT_PATH, for Grafana's
 * Elasticsearch data source and Elasticsearch clients: `_search` and `_msearch` (the query DSL
 * compiled by src/query/es-dsl/ into the store's own search), and the index descriptions their
 * field pickers and index checks read (`_mapping`, `_field_caps`, `_cat/indices`,
 * `_resolve/index`). Read access as the native search API, rate-limited as `query_api`.
 */

type Services = LogStore | Users | ApiKeys | RateLimiter
type Limits = SearchLimits & RunBounds

/** Newest records whose attributes `_mapping` and `_field_caps` describe. */
const MAPPING_SAMPLE = 1000

const limitsOf = (config: Config): Limits => ({
  maxTerms: config.SEARCH_MAX_TERMS,
  maxWildcards: config.SEARCH_MAX_WILDCARDS,
  maxResultWindow: config.ES_SEARCH_MAX_RESULT_WINDOW,
  maxQueryDepth: config.ES_SEARCH_MAX_QUERY_DEPTH,
  maxAggDepth: config.ES_SEARCH_MAX_AGG_DEPTH,
  maxBuckets: config.ES_SEARCH_MAX_BUCKETS,
  maxScanRecords: config.ES_SEARCH_MAX_SCAN_RECORDS,
  timeoutMs: config.ES_SEARCH_TIMEOUT_MS
})

/** Runs code that throws EsDslError as an Effect failing with it (anything else is a defect). */
const attempt = <A>(f: () => A): Effect.Effect<A, EsDslError> =>
  Effect.suspend(() => {
    try {
      return Effect.succeed(f())
    } catch (e) {
      return e instanceof EsDslError ? Effect.fail(e) : Effect.die(e)
    }
  })

const search = (body: unknown, limits: Limits) =>
  attempt(() => planSearch(body, limits, Date.now())).pipe(Effect.flatMap((plan) => executeSearch(plan, INDEX, limits)))

/** URI search parameters (`q`, `size`, `from`) over the body's. */
const withUriParams = (body: unknown, query: Record<string, string | undefined>): unknown => {
  if (query.q === undefined && query.size === undefined && query.from === undefined) return body
  const base = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {}
  return {
    ...base,
    ...(query.q === undefined ? {} : { query: { query_string: { query: query.q } } }),
    ...(query.size === undefined ? {} : { size: query.size }),
    ...(query.from === undefined ? {} : { from: query.from })
  }
}

/** Each search of an `_msearch` answers on its own: a search LogFlow refuses is that item's error, not the request's. */
const msearch = (bodies: ReadonlyArray<unknown>, limits: Limits) =>
  Effect.gen(function* () {
    const started = performance.now()
    const responses = []
    for (const body of bodies) {
      const outcome = yield* Effect.either(search(body, limits))
      if (outcome._tag === "Right") responses.push({ ...outcome.right, status: 200 })
      else if (outcome.left instanceof EsDslError) responses.push(esErrorBody(400, outcome.left.esType, outcome.left.reason))
      else return yield* Effect.fail(outcome.left)
    }
    return { took: Math.round(performance.now() - started), responses }
  })

const sampledAttributes = Effect.flatMap(LogStore, (store) => store.search({ limit: MAPPING_SAMPLE })).pipe(Effect.map((page) => attributeTypes(page.logs)))

const storedDocs = Effect.flatMap(LogStore, (store) => store.allTime()).pipe(Effect.map((counts) => counts.reduce((n, c) => n + c.count, 0)))

/**
 * Mounted under ES_COMPAT_PATH and, beside the root `_bulk`, at the root (`mountedAt` ""), where
 * none of these paths collides with LogFlow's own; `GET /` at the root stays LogFlow's.
 */
export const esSearchRoutes = (run: RunEffect<Services>, config: Config, telemetry: TelemetryInstruments, mountedAt = config.ES_COMPAT_PATH) => {
  const limits = limitsOf(config)
  const text = (request: Request) => readText(request, config.ES_SEARCH_MAX_BODY_BYTES)
  const read = { access: "read", rateLimit: "query_api", parse: "none", detail: { hide: true } } as const
  type Ctx = { request: Request; query: Record<string, string | undefined> }
  const searchHandler = async ({ request, query }: Ctx) => {
    const body = await text(request)
    return run(attempt(() => parseSearchBody(body)).pipe(Effect.flatMap((parsed) => search(withUriParams(parsed, query), limits))))
  }
  const msearchHandler = async ({ request }: Ctx) => {
    const body = await text(request)
    return run(attempt(() => parseMsearch(body, config.ES_SEARCH_MAX_MSEARCH)).pipe(Effect.flatMap((bodies) => msearch(bodies, limits))))
  }
  const mapping = () => run(sampledAttributes.pipe(Effect.map(mappingBody)))
  const fieldCaps = ({ query }: Ctx) => run(sampledAttributes.pipe(Effect.map((types) => fieldCapsBody(types, query.fields ?? "*"))))
  const cat = ({ query, set }: Ctx & { set: { headers: Record<string, string | number> } }) =>
    run(storedDocs).then((docs) => {
      const json = query.format === "json"
      if (!json) set.headers["content-type"] = "text/plain; charset=UTF-8"
      return catIndices(docs, json)
    })

  return new Elysia({ name: "routes/es-search", seed: mountedAt, prefix: mountedAt })
    .use(errors)
    .use(authPlugin(run, config, telemetry))
    .use(rateLimitPlugin(run, config, telemetry))
    .get("/_search", searchHandler, read)
    .post("/_search", searchHandler, { ...read, detail: { summary: "Elasticsearch-compatible search (query DSL and aggregations)", tags: ["logs"] } })
    .get("/:index/_search", searchHandler, read)
    .post("/:index/_search", searchHandler, read)
    .post("/_msearch", msearchHandler, {
      ...read,
      detail: { summary: "Elasticsearch-compatible multi-search (NDJSON), as Grafana's data source sends it", tags: ["logs"] }
    })
    .post("/:index/_msearch", msearchHandler, read)
    .get("/_msearch", msearchHandler, read)
    .get("/:index/_msearch", msearchHandler, read)
    .get("/_mapping", mapping, read)
    .get("/:index/_mapping", mapping, read)
    .get("/_field_caps", fieldCaps, read)
    .post("/_field_caps", fieldCaps, read)
    .get("/:index/_field_caps", fieldCaps, read)
    .post("/:index/_field_caps", fieldCaps, read)
    .get("/_cat/indices", cat, read)
    .get("/_cat/indices/:index", cat, read)
    .get("/_resolve/index/:name", () => resolveIndex(), read)
}
