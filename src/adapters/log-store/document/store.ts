import type { estypes } from "@elastic/elasticsearch"
import { Duration, Effect, Schedule } from "effect"
import { QueryTimedOut, StoreUnavailable } from "../../../domain/errors.ts"
import type { LogRecord } from "../../../domain/log-record.ts"
import { LogStore } from "../../../ports/log-store.ts"
import { type Aggregate, metricsQueries } from "./aggregations.ts"
import { bulkIndex } from "./bulk.ts"
import type { DocumentEngine } from "./engine.ts"
import type { Source } from "./records.ts"
import { makeRecordQueries, MAX_SAMPLE, type SearchAlias } from "./record-queries.ts"
import { makeExpire } from "./retention.ts"
import { installIndices } from "./setup.ts"
import { explainEngineError } from "./refusal.ts"
import type { DocumentSecurity, EngineRefused } from "./security.ts"

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
  /**
   * Longest one read may take (SEARCH_TIMEOUT_MS): sent to the engine as each search's
   * `timeout`, and the bound of the whole operation here (facets make three searches).
   */
  readonly timeoutMs?: number
  /** Mapped fields per index; attributes beyond stay unindexed (Elasticsearch) or send the record to the dead letters (OpenSearch). */
  readonly fieldLimit: number
  readonly requestTimeout: Duration.DurationInput
  /** Credentials and trusted certificates; none (and the system's CAs) when unset. */
  readonly security?: DocumentSecurity
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
  (engine: DocumentEngine, index: string) =>
  (request: Parameters<SearchAlias>[0]): Effect.Effect<estypes.SearchResponse<Source>, StoreUnavailable> =>
    Effect.tryPromise({
      try: (signal) => engine.search<Source>(index, request, signal),
      catch: (e) => e
    }).pipe(
      Effect.retry({
        while: engine.isShardUnavailable,
        schedule: Schedule.exponential("50 millis").pipe(Schedule.intersect(Schedule.recurs(6)))
      }),
      Effect.mapError(unavailable)
    )

/**
 * /health's entry for the engine: the cluster's colour, or what is wrong (refused credentials,
 * privileges, certificates, no answer) with the setting to look at.
 */
const healthOf = (engine: DocumentEngine, config: DocumentStoreConfig & { readonly security: DocumentSecurity }) => {
  const name = engine.dialect.engine
  // The full message (hosts, paths, the engine's words) goes to the server log once per new problem, not on every call.
  let lastLogged = ""
  return Effect.tryPromise({ try: () => engine.clusterHealth(), catch: (e) => explainEngineError(e, config.security, config.hosts) }).pipe(
    Effect.map((h) => ({
      status: h.status === "red" ? ("unhealthy" as const) : ("healthy" as const),
      details: { engine: name, cluster_status: h.status, nodes: h.number_of_nodes, index: config.index }
    })),
    Effect.tap(() => Effect.sync(() => (lastLogged = ""))),
    Effect.catchAll((e) =>
      Effect.gen(function* () {
        if (e.message !== lastLogged) yield* Effect.logWarning(`log store health: ${e.message}`)
        lastLogged = e.message
        return { status: "unhealthy" as const, details: { engine: name, cluster_status: e.problem, problem: e.problem, error: e.publicMessage } }
      })
    )
  )
}

/**
 * A read within the budget: the engine stops a search at `timeout` and says `timed_out` (its
 * hits then are a part of the answer, so the read fails rather than return them), and the
 * whole operation, however many searches it makes, fails once the budget has passed.
 */
const withinBudget = (search: SearchAlias, timeoutMs: number | undefined) => {
  if (timeoutMs === undefined) return { search, bound: <A, E, R>(effect: Effect.Effect<A, E, R>) => effect }
  const timedOut = () => new QueryTimedOut({ budgetMs: timeoutMs })
  const bounded: SearchAlias = (request) =>
    search({ timeout: `${timeoutMs}ms`, ...request }).pipe(Effect.filterOrFail((response) => response.timed_out !== true, timedOut))
  const bound = <A, E, R>(effect: Effect.Effect<A, E, R>) => effect.pipe(Effect.timeoutFail({ duration: Duration.millis(timeoutMs), onTimeout: timedOut }))
  return { search: bounded, bound }
}

/** Every read operation of `queries` bounded by `bound`. */
const boundAll = <T extends Record<string, (...args: any[]) => Effect.Effect<any, any, any>>>(
  queries: T,
  bound: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | QueryTimedOut, R>
): T => Object.fromEntries(Object.entries(queries).map(([name, query]) => [name, (...args: any[]) => bound(query(...args))])) as T

const refused = (e: EngineRefused) => new StoreUnavailable({ reason: e.message })

/**
 * The store on the engine `connect` opens (closed with the scope). Installing the index
 * template is the start-up check: a refusal stops the start with the setting to change.
 */
export const makeDocumentStore = (
  connect: Effect.Effect<DocumentEngine, EngineRefused>,
  config: DocumentStoreConfig & { readonly security: DocumentSecurity }
) =>
  Effect.gen(function* () {
    const engine = yield* Effect.acquireRelease(Effect.mapError(connect, refused), (engine) => Effect.promise(() => engine.close()))
    yield* Effect.tryPromise({
      try: () => installIndices(engine, { ...config, maxResultWindow: MAX_SAMPLE }),
      catch: (e) => refused(explainEngineError(e, config.security, config.hosts))
    })

    const alias = searchAlias(engine, config.index)
    const { search, bound } = withinBudget(alias, config.timeoutMs)
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
      ...boundAll(records, bound),
      ...boundAll(metricsQueries(aggregate), bound),
      expire: makeExpire(engine, { index: config.index, refresh: config.refresh }, alias),
      health: healthOf(engine, config)
    })
  })
