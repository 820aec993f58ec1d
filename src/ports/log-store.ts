import { Context, type Effect, type Option } from "effect"
import type { StoreUnavailable } from "../domain/errors.ts"
import type { LogRecord } from "../domain/log-record.ts"
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

/** Where records are indexed and searched. Every adapter passes test/contract/log-store.ts. */
export class LogStore extends Context.Tag("LogStore")<LogStore, {
  /** Writes a batch atomically. Records whose id is already stored are skipped (redelivery). */
  readonly index: (batch: ReadonlyArray<LogRecord>) => Effect.Effect<void, StoreUnavailable>
  /** Newest first (event time, then arrival), filtered, paged with a stable cursor. */
  readonly search: (request: SearchRequest) => Effect.Effect<SearchPage, StoreUnavailable>
  readonly get: (id: string) => Effect.Effect<Option.Option<LogRecord>, StoreUnavailable>
  readonly health: Effect.Effect<ComponentHealth>
}>() {}
