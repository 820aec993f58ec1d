import type { estypes } from "@elastic/elasticsearch"
import { Duration, Effect, Layer, Option, Schedule } from "effect"
import { StoreUnavailable } from "../../../domain/errors.ts"
import type { LogRecord } from "../../../domain/log-record.ts"
import { encodeCursor, type SearchRequest } from "../../../domain/search-request.ts"
import { LogStore } from "../../../ports/log-store.ts"
import type { DocumentEngine } from "./engine.ts"
import { bulkIndex } from "./bulk.ts"
import { buckets, metricsQueries } from "./aggregations.ts"
import { compileSearch, NEWEST_FIRST, OLDEST_FIRST } from "./query.ts"
import { makeExpire } from "./retention.ts"
import { deadLetterIndex, deadLetterMappings, logsTemplate } from "./template.ts"

/**
 * The LogStore on a document engine, Elasticsearch 9 or OpenSearch 3 (`DocumentEngine`): daily
 * indices behind an alias, `_bulk` writes with the record id as `_id`, `search_after` paging,
 * aggregations for facets, histograms and the metrics. The metrics are aggregated from the
 * stored records (no separate rollups), so unlike SQLite they forget what retention deleted.
 */

export interface DocumentStoreConfig {
  /** Node URLs, e.g. `http://127.0.0.1:9200`. */
  readonly hosts: ReadonlyArray<string>
  /** Alias over the daily indices, and prefix of their names. */
  readonly index: string
  readonly shards: number
  readonly replicas: number
  /** `true`: a batch is searchable once written (tests); `wait_for`: once the next refresh ran (default); `false`: eventually. */
  readonly refresh: "true" | "false" | "wait_for"
  /** Searches count matches exactly up to this many. */
  readonly countCap: number
  /** Mapped fields per index; attributes beyond stay unindexed (Elasticsearch) or send the record to the dead letters (OpenSearch). */
  readonly fieldLimit: number
  readonly requestTimeout: Duration.DurationInput
  readonly onDeadLetter?: (record: LogRecord, reason: string) => void
}

/** Facet samples read up to this many of the newest matches. */
const MAX_SAMPLE = 200_000

const unavailable = (e: unknown) => new StoreUnavailable({ reason: e instanceof Error ? e.message : String(e) })

type Source = LogRecord & Record<string, unknown>

const toRecord = (source: Source): LogRecord => {
  const record: { -readonly [K in keyof LogRecord]: LogRecord[K] } = {
    id: source.id,
    timestamp: Number(source.timestamp),
    received_at: Number(source.received_at),
    service: source.service,
    level: source.level,
    message: source.message,
    attributes: source.attributes ?? {}
  }
  for (const key of ["host", "trace_id", "span_id", "correlation_id"] as const) {
    if (typeof source[key] === "string") record[key] = source[key]
  }
  return record
}

const RECORD_FIELDS = ["id", "timestamp", "received_at", "service", "level", "message", "host", "trace_id", "span_id", "correlation_id", "attributes"]

/** The store on the engine `connect` opens (closed with the scope). */
export const makeDocumentStore = (connect: () => DocumentEngine, config: DocumentStoreConfig) =>
  Effect.gen(function*() {
    const engine = yield* Effect.acquireRelease(Effect.sync(connect), (engine) => Effect.promise(() => engine.close()))
    const name = engine.dialect.engine
    const call = <A>(f: () => Promise<A>) => Effect.tryPromise({ try: f, catch: unavailable })

    yield* call(async () => {
      await engine.putIndexTemplate(logsTemplate({
        index: config.index, shards: config.shards, replicas: config.replicas, fieldLimit: config.fieldLimit, maxResultWindow: MAX_SAMPLE, dialect: engine.dialect
      }))
      const dlq = deadLetterIndex(config.index)
      if (!(await engine.indexExists(dlq))) {
        await engine.createIndex(dlq, { mappings: deadLetterMappings, settings: { number_of_shards: 1, number_of_replicas: config.replicas } })
          .catch((e) => {
            // Another process created it first.
            if (!String(e?.message).includes("resource_already_exists")) throw e
          })
      }
    })

    /**
     * A search over the alias; no index yet (nothing stored) reads as no hits. A daily index
     * created a moment ago by another process may have no started shard yet (503): retried
     * briefly rather than failing the request.
     */
    const search = (request: Omit<estypes.SearchRequest, "index">) =>
      Effect.tryPromise({
        try: () => engine.search<Source>(config.index, request),
        catch: (e) => e
      }).pipe(
        Effect.retry({
          while: engine.isShardUnavailable,
          schedule: Schedule.exponential("50 millis").pipe(Schedule.intersect(Schedule.recurs(6)))
        }),
        Effect.mapError(unavailable)
      )
    const aggregate = (query: estypes.QueryDslQueryContainer, aggs: Record<string, estypes.AggregationsAggregationContainer>) =>
      search({ size: 0, track_total_hits: false, query, aggs }).pipe(Effect.map((r) => (r.aggregations ?? {}) as Record<string, any>))

    const findById = (id: string) =>
      search({ size: 1, query: { term: { id } }, _source: RECORD_FIELDS }).pipe(
        Effect.map((r) => Option.fromNullable(r.hits.hits[0]?._source).pipe(Option.map(toRecord)))
      )


    return LogStore.of({
      index: (batch) =>
        batch.length === 0
          ? Effect.void
          : bulkIndex(engine, {
            index: config.index,
            refresh: config.refresh,
            retries: 5,
            retryBase: Duration.millis(100),
            ...(config.onDeadLetter ? { onDeadLetter: config.onDeadLetter } : {})
          }, batch),

      search: (request: SearchRequest) =>
        search({
          query: compileSearch(request, Date.now(), engine.dialect),
          sort: NEWEST_FIRST,
          size: request.limit + 1,
          track_total_hits: config.countCap + 1,
          _source: RECORD_FIELDS,
          ...(request.cursor ? { search_after: [request.cursor.timestamp, request.cursor.tiebreak] } : {})
        }).pipe(Effect.map((response) => {
          const hits = response.hits.hits
          const hasMore = hits.length > request.limit
          const page = hits.slice(0, request.limit)
          const total = typeof response.hits.total === "number" ? response.hits.total : response.hits.total?.value ?? 0
          const last = page.at(-1)?._source
          return {
            logs: page.map((h) => toRecord(h._source!)),
            total: Math.min(total, config.countCap),
            total_is_lower_bound: total > config.countCap,
            ...(hasMore && last ? { next_cursor: encodeCursor({ timestamp: Number(last.timestamp), tiebreak: last.id }) } : {})
          }
        })),

      get: findById,

      context: (id, before, after) =>
        Effect.gen(function*() {
          const anchor = yield* findById(id)
          if (Option.isNone(anchor)) return Option.none()
          const a = anchor.value
          // Same service, and same host when the record has one.
          const query = { bool: { filter: [{ term: { service: a.service } }, ...(a.host !== undefined ? [{ term: { host: a.host } }] : [])] } }
          const around = (sort: estypes.SortCombinations[], size: number) =>
            size === 0
              ? Effect.succeed([] as LogRecord[])
              : search({ query, sort, size, search_after: [a.timestamp, a.id], _source: RECORD_FIELDS }).pipe(
                Effect.map((r) => r.hits.hits.map((h) => toRecord(h._source!)))
              )
          const older = yield* around(NEWEST_FIRST, before)
          const newer = yield* around(OLDEST_FIRST, after)
          return Option.some({ before: older.reverse(), record: a, after: newer })
        }),

      facets: (request, fields, top, scanLimit) =>
        Effect.gen(function*() {
          const limit = Math.min(scanLimit, MAX_SAMPLE)
          const matches = compileSearch(request, Date.now(), engine.dialect)
          const counted = yield* search({ size: 0, query: matches, track_total_hits: limit })
          const total = typeof counted.hits.total === "number" ? counted.hits.total : counted.hits.total?.value ?? 0
          let sample = matches
          if (total >= limit) {
            // Only the newest `limit` matches: those at or after the limit-th newest one.
            const edge = yield* search({ query: matches, sort: NEWEST_FIRST, from: limit - 1, size: 1, _source: ["id", "timestamp"], track_total_hits: false })
            const last = edge.hits.hits[0]?._source
            if (last) {
              sample = {
                bool: {
                  filter: [matches, {
                    bool: {
                      should: [
                        { range: { timestamp: { gt: Number(last.timestamp) } } },
                        { bool: { filter: [{ term: { timestamp: Number(last.timestamp) } }, { range: { id: { gte: last.id } } }] } }
                      ],
                      minimum_should_match: 1
                    }
                  }]
                }
              }
            }
          }
          const aggs = yield* aggregate(sample, Object.fromEntries(fields.map((f) => [f, { terms: { field: f, size: top, order: [{ _count: "desc" as const }, { _key: "asc" as const }] } }])))
          const result: Record<string, Array<{ value: string; count: number }>> = {}
          for (const f of fields) result[f] = buckets(aggs[f]).map((b) => ({ value: String(b.key), count: b.doc_count }))
          const scanned = Math.min(total, limit)
          return { fields: result, scanned, sampled: scanned >= scanLimit }
        }),

      histogram: (request, bucketMs) =>
        aggregate(compileSearch(request, Date.now(), engine.dialect), { buckets: { date_histogram: { field: "timestamp", fixed_interval: `${bucketMs}ms`, min_doc_count: 1 } } }).pipe(
          Effect.map((aggs) => buckets(aggs.buckets).map((b) => ({ bucket: Number(b.key), count: b.doc_count })))
        ),

      ...metricsQueries(aggregate),
      expire: makeExpire(engine, { index: config.index, refresh: config.refresh }, search),

      health: call(() => engine.clusterHealth()).pipe(
        Effect.map((h) => ({
          status: h.status === "red" ? "unhealthy" as const : "healthy" as const,
          details: { engine: name, cluster_status: h.status, nodes: h.number_of_nodes, index: config.index }
        })),
        Effect.catchAll((e) => Effect.succeed({ status: "unhealthy" as const, details: { engine: name, cluster_status: "unreachable", error: e.reason } }))
      )
    })
  })

export const DocumentStoreLive = (connect: () => DocumentEngine, config: DocumentStoreConfig) => Layer.scoped(LogStore, makeDocumentStore(connect, config))
