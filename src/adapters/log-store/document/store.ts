import { Duration, Effect, Schedule } from "effect"
import { StoreUnavailable } from "../../../domain/errors.ts"
import type { LogRecord } from "../../../domain/log-record.ts"
import { LogStore } from "../../../ports/log-store.ts"
import { type Aggregate, metricsQueries } from "./aggregations.ts"
import { bulkIndex } from "./bulk.ts"
import type { DocumentEngine } from "./engine.ts"
import type { Source } from "./records.ts"
import { makeRecordQueries, MAX_SAMPLE, type SearchAlias } from "./record-queries.ts"
import { makeExpire } from "./retention.ts"
import { installIndices } from "./setup.ts"

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
  /** Stored-fields codec of new daily indices (ELASTICSEARCH_INDEX_CODEC); default `best_compression`. */
  readonly codec?: "best_compression" | "default"
  readonly onDeadLetter?: (record: LogRecord, reason: string) => void
}

const unavailable = (e: unknown) => new StoreUnavailable({ reason: e instanceof Error ? e.message : String(e) })

/**
 * A search over the alias; no index yet (nothing stored) reads as no hits. A daily index
 * created a moment ago by another process may have no started shard yet (503): retried
 * briefly rather than failing the request.
 */
const searchAlias =
  (engine: DocumentEngine, index: string): SearchAlias =>
  (request) =>
    Effect.tryPromise({
      try: () => engine.search<Source>(index, request),
      catch: (e) => e
    }).pipe(
      Effect.retry({
        while: engine.isShardUnavailable,
        schedule: Schedule.exponential("50 millis").pipe(Schedule.intersect(Schedule.recurs(6)))
      }),
      Effect.mapError(unavailable)
    )

/** The store on the engine `connect` opens (closed with the scope). */
export const makeDocumentStore = (connect: () => DocumentEngine, config: DocumentStoreConfig) =>
  Effect.gen(function* () {
    const engine = yield* Effect.acquireRelease(Effect.sync(connect), (engine) => Effect.promise(() => engine.close()))
    const name = engine.dialect.engine
    yield* Effect.tryPromise({ try: () => installIndices(engine, { ...config, maxResultWindow: MAX_SAMPLE }), catch: unavailable })

    const search = searchAlias(engine, config.index)
    const aggregate: Aggregate = (query, aggs) =>
      search({ size: 0, track_total_hits: false, query, aggs }).pipe(Effect.map((r) => (r.aggregations ?? {}) as Record<string, any>))
    const records = makeRecordQueries(search, aggregate, engine.dialect, config.countCap)

    return LogStore.of({
      index: (batch) =>
        batch.length === 0
          ? Effect.void
          : bulkIndex(
              engine,
              {
                index: config.index,
                refresh: config.refresh,
                retries: 5,
                retryBase: Duration.millis(100),
                ...(config.onDeadLetter ? { onDeadLetter: config.onDeadLetter } : {})
              },
              batch
            ),
      ...records,
      ...metricsQueries(aggregate),
      expire: makeExpire(engine, { index: config.index, refresh: config.refresh }, search),
      health: Effect.tryPromise({ try: () => engine.clusterHealth(), catch: unavailable }).pipe(
        Effect.map((h) => ({
          status: h.status === "red" ? ("unhealthy" as const) : ("healthy" as const),
          details: { engine: name, cluster_status: h.status, nodes: h.number_of_nodes, index: config.index }
        })),
        Effect.catchAll((e) => Effect.succeed({ status: "unhealthy" as const, details: { engine: name, cluster_status: "unreachable", error: e.reason } }))
      )
    })
  })
