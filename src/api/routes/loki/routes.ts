import { Effect } from "effect"
import { Elysia } from "elysia"
import type { ApiKeys } from "../../../accounts/api-keys.ts"
import type { Principal } from "../../../accounts/user.ts"
import type { Users } from "../../../accounts/users.ts"
import type { Config } from "../../../config.ts"
import { InvalidInput } from "../../../domain/errors.ts"
import { LogStore } from "../../../ports/log-store.ts"
import { parseLogql } from "../../../query/logql/parser.ts"
import type { PatternStore } from "../../../ports/pattern-store.ts"
import type { Pipeline } from "../../../ports/pipeline.ts"
import type { RateLimiter } from "../../../ports/rate-limiter.ts"
import type { TelemetryInstruments } from "../../../ports/telemetry.ts"
import { VERSION } from "../../../version.ts"
import { authPlugin } from "../../plugins/auth.ts"
import { errors } from "../../plugins/errors.ts"
import { clientAddress, rateLimitPlugin } from "../../plugins/rate-limit.ts"
import type { RunEffect } from "../../run-effect.ts"
import { queryLimits } from "../logs.ts"
import { makeTailSessions } from "../tail-sessions.ts"
import { detectedFieldValues, detectedFields, detectedLabels, lokiPatterns } from "./drilldown.ts"
import { indexStats, indexVolume } from "./index-stats.ts"
import { labelNames, labelValues, series } from "./metadata.ts"
import { lokiCount, lokiRange, lokiStep, type Query, requiredQuery } from "./params.ts"
import { logqlLimits, makeQueryHandlers } from "./query.ts"
import { lokiRespond, lokiText } from "./respond.ts"
import { optionalSelector, selectorsOf } from "./selectors.ts"
import { prepareTail, runSocketTail } from "./tail.ts"

/**
 * Loki's query API at /loki/api/v1 (Grafana's Loki data source and Logs Drilldown read it):
 * every route needs the `read` access (token or API key) and counts against RATE_LIMIT_QUERY_API,
 * except `ready` and `status/buildinfo`, which Loki serves openly too. Push is in
 * src/ingest/loki/route.ts.
 */

type Services = LogStore | PatternStore | Pipeline | Users | ApiKeys | RateLimiter

/** The Loki version whose API LogFlow answers; Grafana reads it to pick the endpoints it calls. */
export const LOKI_API_VERSION = "3.0.0"

const read = { access: "read", rateLimit: "query_api" } as const

export const lokiQueryRoutes = (run: RunEffect<Services>, config: Config, telemetry: TelemetryInstruments) => {
  const handlers = makeQueryHandlers(run, config)
  const metadataLimits = { ...logqlLimits(config), maxScanRecords: config.LOGQL_METADATA_SCAN_RECORDS }
  const sessions = makeTailSessions(run, config.TAIL_MAX_PER_CLIENT, config.TAIL_MATCH_BYTES, queryLimits(config))
  const range = (query: Query) => {
    const { start, end } = lokiRange(query, Date.now())
    return { from: start, to: end }
  }
  /** The `match[]` selectors (Loki also reads `match`); at least one. */
  const matches = (request: Request): string[] => {
    const params = new URL(request.url).searchParams
    const all = [...params.getAll("match[]"), ...params.getAll("match")]
    return all.length > 0 ? all : [requiredQuery({}, "match[]")]
  }

  return new Elysia({ name: "routes/loki-query", prefix: "/loki/api/v1" })
    .use(errors)
    .use(authPlugin(run, config, telemetry))
    .use(rateLimitPlugin(run, config, telemetry))
    .get("/ready", () => lokiText(200, "ready\n"))
    .get("/status/buildinfo", () => ({
      version: LOKI_API_VERSION,
      revision: `logflow-${VERSION}`,
      branch: "logflow",
      buildUser: "logflow",
      buildDate: "",
      goVersion: ""
    }))
    .get("/query_range", ({ query, headers }) => lokiRespond(() => handlers.queryRange(query, headers)), read)
    .get("/query", ({ query, headers }) => lokiRespond(() => handlers.instant(query, headers)), read)
    .get("/format_query", ({ query }) => lokiRespond(() => handlers.format(query)), read)
    .post("/format_query", ({ query }) => lokiRespond(() => handlers.format(query)), read)
    .get(
      "/labels",
      ({ query }) => lokiRespond(async () => ({ status: "success", data: await run(labelNames(optionalSelector(query.query), range(query), metadataLimits)) })),
      read
    )
    .get(
      "/label/:name/values",
      ({ params, query }) =>
        lokiRespond(async () => ({
          status: "success",
          data: await run(labelValues(params.name, optionalSelector(query.query), range(query), metadataLimits))
        })),
      read
    )
    .get(
      "/series",
      ({ query, request }) =>
        lokiRespond(async () => ({ status: "success", data: await run(series(matches(request).flatMap(selectorsOf), range(query), metadataLimits)) })),
      read
    )
    .get("/index/stats", ({ query }) => lokiRespond(() => run(indexStats(selectorsOf(requiredQuery(query)), range(query)))), read)
    .get("/index/volume", ({ query }) => lokiRespond(() => volume(run, query, range(query))), read)
    .get("/detected_labels", ({ query }) => lokiRespond(() => run(detectedLabels(optionalSelector(query.query), range(query), metadataLimits))), read)
    .get(
      "/detected_fields",
      ({ query }) =>
        lokiRespond(() => {
          const { selector, lineLimit, limit } = detectedParams(query, config)
          return run(detectedFields(selector, range(query), metadataLimits, lineLimit, limit))
        }),
      read
    )
    .get(
      "/detected_field/:name/values",
      ({ params, query }) =>
        lokiRespond(() => {
          const { selector, lineLimit, limit } = detectedParams(query, config)
          return run(detectedFieldValues(params.name, selector, range(query), metadataLimits, lineLimit, limit))
        }),
      read
    )
    .get(
      "/patterns",
      ({ query }) =>
        lokiRespond(async () => {
          const selector = selectorsOf(requiredQuery(query))[0]!
          const { from, to } = range(query)
          const services = await run(knownServices)
          return run(lokiPatterns(selector, { from, to }, lokiStep(query, from, to), services))
        }),
      read
    )
    .ws("/tail", { access: "read", ...tailHandlers(run, sessions, config), message() {} })
}

/** The tail socket's open and close: open runs the tail until close marks it closed. */
const tailHandlers = (run: RunEffect<Services>, sessions: ReturnType<typeof makeTailSessions>, config: Config) => {
  const sockets = new Map<string, { closed: boolean }>()
  return {
    async open(ws: TailWebSocket) {
      const { query, principal, request } = ws.data as unknown as { query: Query; principal: Principal | undefined; request: Request }
      const state = { closed: false }
      sockets.set(ws.id, state)
      const client = principal ? `user:${principal.user.id}` : `ip:${config.TRUST_PROXY && request ? clientAddress(request, null, true) : ws.remoteAddress}`
      try {
        await runSocketTail(run, sessions, config, ws, prepareTail(query, config), client, state)
      } catch (e) {
        const status = (e as { status?: number }).status ?? 500
        if (!state.closed) ws.close(status < 500 ? 1008 : 1011, status < 500 ? (e as Error).message.slice(0, 120) : "the live tail failed")
      } finally {
        sockets.delete(ws.id)
      }
    },
    close(ws: { readonly id: string }) {
      const state = sockets.get(ws.id)
      if (state) state.closed = true
    }
  }
}

/** What the tail uses of Elysia's socket. */
interface TailWebSocket {
  readonly id: string
  readonly data: unknown
  readonly remoteAddress: string
  send(message: string): unknown
  close(code?: number, reason?: string): unknown
}

const knownServices = Effect.flatMap(LogStore, (store) => store.allTime()).pipe(Effect.map((counts) => [...new Set(counts.map((c) => c.service))]))

/** Loki's detected_fields parameters: the query (a log query, pipeline included), `line_limit` lines (100; at most LOGQL_MAX_ENTRIES), `limit` fields or values (1000). */
const detectedParams = (query: Query, config: Config) => {
  const selector = parseLogql(requiredQuery(query))
  if (selector.kind !== "log") throw new InvalidInput({ field: "query", reason: "must be a log query (a stream selector and its pipeline)" })
  return {
    selector,
    lineLimit: lokiCount(query, "line_limit", 100, config.LOGQL_MAX_ENTRIES, "LOGQL_MAX_ENTRIES"),
    limit: lokiCount(query, query.limit === undefined ? "field_limit" : "limit", 1000)
  }
}

const VOLUME_LIMIT = 100
const MAX_VOLUME_LIMIT = 10_000

const volume = async (run: RunEffect<LogStore>, query: Query, range: { from: number; to: number }) => {
  const selector = selectorsOf(requiredQuery(query))[0]!
  const limit = query.limit ? Math.min(Math.max(Number.parseInt(query.limit, 10) || VOLUME_LIMIT, 1), MAX_VOLUME_LIMIT) : VOLUME_LIMIT
  const targetLabels = (query.targetLabels ?? "")
    .split(",")
    .map((l) => l.trim())
    .filter((l) => l !== "")
  const groups = await run(indexVolume(selector, range, { limit, targetLabels, aggregateBy: query.aggregateBy === "labels" ? "labels" : "series" }))
  const time = range.to / 1000
  return {
    status: "success",
    data: { resultType: "vector", result: groups.map((g) => ({ metric: g.labels, value: [time, String(g.bytes)] })), stats: {} }
  }
}
