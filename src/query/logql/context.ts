import { Effect } from "effect"
import type { StoreReadError } from "../../domain/errors.ts"
import type { LogRecord } from "../../domain/log-record.ts"
import { decodeCursor, type SearchRequest } from "../../domain/search-request.ts"
import { LogStore } from "../../ports/log-store.ts"
import { limitExceeded } from "./errors.ts"
import type { LogqlError } from "./errors.ts"
import type { RegexLimits } from "./regex-limits.ts"
import type { PipelineBounds, PipelineStats } from "./stages.ts"

/**
 * What one query may spend, and what it has spent: the records it read from the store (at most
 * `maxScanRecords`), its deadline, and its pipeline's bounds. `scan` pages through the store's
 * answer newest first, handing each page over, and yields to the event loop between pages so a
 * long query never holds up other requests.
 */

export interface QueryLimits extends PipelineBounds, RegexLimits {
  readonly maxScanRecords: number
  readonly timeoutMs: number
  readonly maxSeries: number
}

export interface QueryContext {
  readonly limits: QueryLimits
  readonly deadline: number
  readonly stats: PipelineStats & { scannedRecords: number; scannedBytes: number; storeQueries: number }
  /** The services the store holds, for regular expressions on `service_name`. */
  readonly knownServices: Effect.Effect<ReadonlyArray<string>, StoreReadError, LogStore>
}

export const makeContext = (limits: QueryLimits): QueryContext => {
  let services: ReadonlyArray<string> | undefined
  return {
    limits,
    deadline: performance.now() + limits.timeoutMs,
    stats: { truncatedRegexLines: 0, scannedRecords: 0, scannedBytes: 0, storeQueries: 0 },
    knownServices: Effect.suspend(() =>
      services !== undefined
        ? Effect.succeed(services)
        : Effect.flatMap(LogStore, (store) => store.allTime()).pipe(
            Effect.map((counts) => {
              services = [...new Set(counts.map((c) => c.service))].sort()
              return services
            })
          )
    )
  }
}

/** Lets the event loop answer other requests (timers, sockets) between pages of work. */
export const yieldToEventLoop = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))

export const checkDeadline = (context: QueryContext): Effect.Effect<void, LogqlError> =>
  performance.now() > context.deadline
    ? Effect.fail(limitExceeded(`the query ran longer than ${context.limits.timeoutMs} ms; narrow the selector or the time range`, "LOGQL_QUERY_TIMEOUT_MS"))
    : Effect.void

/**
 * Records per store page: from FIRST_PAGE (or what the caller knows it needs), doubled while a
 * page reads fast, halved when one is slow, so one store call holds the event loop about
 * PAGE_TARGET_MS whatever the record sizes (never below MIN_PAGE). The store skips counting
 * for these calls, so a small page costs little more than its records.
 */
const FIRST_PAGE = 128
const MIN_PAGE = 16
const MAX_PAGE = 5000
const PAGE_TARGET_MS = 5
/** Work between two yields to the event loop, so other requests wait at most about this long. */
const YIELD_EVERY_MS = 5

/**
 * Visits the records of a search, newest first, until `visit` returns false or none are left,
 * yielding to the event loop every few milliseconds. Reading more than the scan budget fails the query with the limit named.
 */
export const scan = (
  context: QueryContext,
  request: Omit<SearchRequest, "limit" | "cursor">,
  visit: (record: LogRecord) => boolean,
  firstPage = FIRST_PAGE
): Effect.Effect<void, LogqlError | StoreReadError, LogStore> =>
  Effect.gen(function* () {
    const store = yield* LogStore
    let cursor: SearchRequest["cursor"]
    let lastYield = performance.now()
    let pageSize = Math.min(Math.max(firstPage, 1), MAX_PAGE)
    for (;;) {
      yield* checkDeadline(context)
      const left = context.limits.maxScanRecords - context.stats.scannedRecords
      if (left <= 0)
        return yield* Effect.fail(
          limitExceeded(
            `the query would read more than ${context.limits.maxScanRecords} records; narrow the selector or the time range`,
            "LOGQL_MAX_SCAN_RECORDS"
          )
        )
      const pageStarted = performance.now()
      const page = yield* store.search({ ...request, limit: Math.min(pageSize, left), count: false, ...(cursor ? { cursor } : {}) })
      const pageMs = performance.now() - pageStarted
      pageSize = pageMs < PAGE_TARGET_MS / 2 ? Math.min(pageSize * 2, MAX_PAGE) : pageMs > PAGE_TARGET_MS * 2 ? Math.max(pageSize >> 1, MIN_PAGE) : pageSize
      context.stats.storeQueries++
      context.stats.scannedRecords += page.logs.length
      for (const record of page.logs) {
        context.stats.scannedBytes += record.message.length
        if (!visit(record)) return
        if (performance.now() - lastYield > YIELD_EVERY_MS) {
          yield* yieldToEventLoop
          yield* checkDeadline(context)
          lastYield = performance.now()
        }
      }
      if (page.next_cursor === undefined) return
      cursor = decodeCursor(page.next_cursor)
      yield* yieldToEventLoop
    }
  })
