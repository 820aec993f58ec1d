import { Context, type Effect, type Option } from "effect"
import type { StoreReadError, StoreUnavailable } from "../domain/errors.ts"
import type { Level, LogRecord } from "../domain/log-record.ts"
import type { SearchRequest } from "../domain/search-request.ts"

export interface SearchPage {
  readonly logs: ReadonlyArray<LogRecord>
  /** Number of matches, exact up to the store's counting cap. */
  readonly total: number
  /** True when there are more matches than `total` (counting stopped at the cap). */
  readonly total_is_lower_bound: boolean
  /** Opaque; pass back as `cursor` for the next (older) page. Absent on the last page. */
  readonly next_cursor?: string
}

export interface ComponentHealth {
  readonly status: "healthy" | "unhealthy"
  readonly details?: Record<string, unknown>
}

/** Which rolled-up counts to read: event time from/to (epoch ms, minute resolution), optional filters. */
export interface RollupFilter {
  readonly from: number
  readonly to: number
  readonly services?: ReadonlyArray<string>
  readonly levels?: ReadonlyArray<Level>
}

export interface LevelCount {
  readonly service: string
  readonly level: Level
  readonly count: number
  readonly bytes: number
}

export interface SeriesPoint {
  /** Bucket start, epoch ms. */
  readonly bucket: number
  readonly level: Level
  readonly count: number
}

export interface ErrorGroup {
  readonly fingerprint: string
  readonly service: string
  readonly count: number
  /** One full message of the group. */
  readonly sample: string
  /** Start of the last minute the error was seen in, epoch ms. */
  readonly last_seen: number
}

export interface AllTimeCount extends LevelCount {
  readonly first_seen: number
  readonly last_seen: number
}

/** Logs older than `cutoff` (event time, epoch ms) expire, optionally only of, or except, some services. */
export interface ExpiryRule {
  readonly cutoff: number
  readonly services?: ReadonlyArray<string>
  readonly exceptServices?: ReadonlyArray<string>
}

export type FacetField = "service" | "level" | "host"

export interface Facets {
  readonly fields: Readonly<Record<string, ReadonlyArray<{ readonly value: string; readonly count: number }>>>
  /** How many matching records were looked at; fewer than all matches when `sampled`. */
  readonly scanned: number
  readonly sampled: boolean
}

export interface RecordContext {
  readonly before: ReadonlyArray<LogRecord>
  readonly record: LogRecord
  readonly after: ReadonlyArray<LogRecord>
}

/** Where records are indexed and searched. Every adapter passes test/contract/log-store.ts. */
export class LogStore extends Context.Tag("LogStore")<
  LogStore,
  {
    /** Writes a batch atomically. Records whose id is already stored are skipped (redelivery). */
    readonly index: (batch: ReadonlyArray<LogRecord>) => Effect.Effect<void, StoreUnavailable>
    /** Newest first (event time, then arrival), filtered, paged with a stable cursor. */
    readonly search: (request: SearchRequest) => Effect.Effect<SearchPage, StoreReadError>
    readonly get: (id: string) => Effect.Effect<Option.Option<LogRecord>, StoreReadError>
    /** The lines logged just before and after a record by the same service (and host, if it has one). */
    readonly context: (id: string, before: number, after: number) => Effect.Effect<Option.Option<RecordContext>, StoreReadError>
    /** Top values of some fields among the newest `scanLimit` matches of a search. */
    readonly facets: (
      request: Omit<SearchRequest, "limit" | "cursor">,
      fields: ReadonlyArray<FacetField>,
      top: number,
      scanLimit: number
    ) => Effect.Effect<Facets, StoreReadError>
    /** Matches of a search counted per time bucket (`bucketMs`, aligned to the epoch); empty buckets absent. */
    readonly histogram: (
      request: Omit<SearchRequest, "limit" | "cursor">,
      bucketMs: number
    ) => Effect.Effect<ReadonlyArray<{ readonly bucket: number; readonly count: number }>, StoreReadError>
    /** Counts per service and level over a time range, from rollups (no scan of raw logs). */
    readonly counts: (filter: RollupFilter) => Effect.Effect<ReadonlyArray<LevelCount>, StoreReadError>
    /** Counts per time bucket and level, buckets of `bucketMinutes` aligned to the epoch; empty buckets absent. */
    readonly series: (filter: RollupFilter, bucketMinutes: number) => Effect.Effect<ReadonlyArray<SeriesPoint>, StoreReadError>
    /** The most frequent error fingerprints over a time range. */
    readonly topErrors: (filter: RollupFilter, limit: number) => Effect.Effect<ReadonlyArray<ErrorGroup>, StoreReadError>
    /** All-time counts per service and level, optionally of one service. */
    readonly allTime: (service?: string) => Effect.Effect<ReadonlyArray<AllTimeCount>, StoreReadError>
    /**
     * Deletes expired records, at most `limit` at a time (one small transaction), returning how
     * many; callers repeat until fewer than `limit`. A store of daily indices may instead drop
     * whole days whose every record expired, however many. Rollups keep their counts.
     */
    readonly expire: (rule: ExpiryRule, limit: number) => Effect.Effect<number, StoreUnavailable>
    readonly health: Effect.Effect<ComponentHealth>
  }
>() {}
