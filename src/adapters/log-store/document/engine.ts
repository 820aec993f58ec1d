import type { estypes } from "@elastic/elasticsearch"
import type { Dialect } from "./query.ts"

/**
 * The handful of calls the document store makes, in one shape for Elasticsearch and
 * OpenSearch. Their JavaScript clients differ in call and answer shape (flat parameters and the
 * body as the answer for Elasticsearch; `{ body }` in and out for OpenSearch), not in what the
 * servers do, so the store, bulk writes, retention and metrics are written once against this,
 * with the Elasticsearch DSL types (OpenSearch speaks the same DSL for what is used here).
 * Every call rejects with the client's error; `isShardUnavailable` tells the one the store
 * retries (a daily index created a moment ago with no started shard yet).
 */
export interface DocumentEngine {
  readonly dialect: Dialect
  readonly putIndexTemplate: (template: estypes.IndicesPutIndexTemplateRequest) => Promise<void>
  readonly indexExists: (index: string) => Promise<boolean>
  readonly createIndex: (index: string, body: { mappings: estypes.MappingTypeMapping; settings: Record<string, unknown> }) => Promise<void>
  /**
   * A search over `index`, a missing or unavailable index reading as no hits. `signal` aborts the
   * request, which closes its connection: the engine then cancels the search instead of finishing
   * it for nobody (Elasticsearch; OpenSearch's search ends at its own `timeout`).
   */
  readonly search: <T>(index: string, body: Omit<estypes.SearchRequest, "index">, signal?: AbortSignal) => Promise<estypes.SearchResponse<T>>
  /** A `_bulk` request: operations for the client to serialise, or an NDJSON body already serialised. Answers only BULK_RESPONSE_FILTER. */
  readonly bulk: (operations: ReadonlyArray<unknown> | string, refresh: "true" | "false" | "wait_for") => Promise<estypes.BulkResponse>
  /** Names of the indices matching a pattern. */
  readonly listIndices: (pattern: string) => Promise<ReadonlyArray<string>>
  readonly refresh: (index: string) => Promise<void>
  readonly count: (index: string, query?: estypes.QueryDslQueryContainer) => Promise<number>
  readonly deleteIndex: (index: string) => Promise<void>
  readonly clusterHealth: () => Promise<{ status: string; number_of_nodes: number }>
  readonly isShardUnavailable: (e: unknown) => boolean
  readonly close: () => Promise<void>
}

/** `refresh` as both bulk APIs take it. */
export const bulkRefresh = (refresh: "true" | "false" | "wait_for") => (refresh === "wait_for" ? ("wait_for" as const) : refresh === "true")

/**
 * What the store reads of a `_bulk` answer: whether any item failed, and each item's status and
 * error. About 25 bytes an item instead of 190, so the engine writes and the worker parses an
 * eighth of it.
 */
export const BULK_RESPONSE_FILTER = "errors,items.*.status,items.*.error"

/** A `_bulk` body for the client: a string is sent as it is, an array is copied (the clients take a mutable one). */
export const bulkOperations = (operations: ReadonlyArray<unknown> | string) => (typeof operations === "string" ? operations : [...operations])
