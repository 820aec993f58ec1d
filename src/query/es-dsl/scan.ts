import { Effect } from "effect"
import type { StoreReadError } from "../../domain/errors.ts"
import type { LogRecord } from "../../domain/log-record.ts"
import { decodeCursor, type SearchRequest } from "../../domain/search-request.ts"
import { LogStore } from "../../ports/log-store.ts"
import { type EsDslError, tooExpensive } from "./errors.ts"
import type { SearchFilter } from "./filter.ts"

/**
 * Reads every match of a search, newest first, page by page, for what LogFlow computes itself
 * (aggregations, oldest-first pages): at most ES_SEARCH_MAX_SCAN_RECORDS records and
 * ES_SEARCH_TIMEOUT_MS, yielding to the event loop between pages and every few milliseconds
 * so a long search never holds up other requests. Past either bound the search fails naming it.
 */

export interface ScanBounds {
  readonly maxScanRecords: number
  readonly timeoutMs: number
}

const PAGE = 5000
const YIELD_EVERY_MS = 10
const yieldToEventLoop = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))

const overTime = (bounds: ScanBounds) =>
  tooExpensive(`the search ran longer than ${bounds.timeoutMs} ms; narrow the query or the time range`, "ES_SEARCH_TIMEOUT_MS")

/** Visits each match; returns how many there were. */
export const scanMatches = (
  filter: SearchFilter,
  bounds: ScanBounds,
  visit: (record: LogRecord) => void
): Effect.Effect<number, EsDslError | StoreReadError, LogStore> =>
  Effect.gen(function* () {
    const store = yield* LogStore
    const deadline = performance.now() + bounds.timeoutMs
    let cursor: SearchRequest["cursor"]
    let seen = 0
    let lastYield = performance.now()
    for (;;) {
      if (performance.now() > deadline) return yield* Effect.fail(overTime(bounds))
      const page = yield* store.search({ ...filter, limit: Math.min(PAGE, bounds.maxScanRecords + 1 - seen), ...(cursor ? { cursor } : {}) })
      for (const record of page.logs) {
        if (++seen > bounds.maxScanRecords)
          return yield* Effect.fail(
            tooExpensive(
              `the aggregations would read more than ${bounds.maxScanRecords} records; narrow the query or the time range`,
              "ES_SEARCH_MAX_SCAN_RECORDS"
            )
          )
        visit(record)
        if (performance.now() - lastYield > YIELD_EVERY_MS) {
          yield* yieldToEventLoop
          if (performance.now() > deadline) return yield* Effect.fail(overTime(bounds))
          lastYield = performance.now()
        }
      }
      if (page.next_cursor === undefined) return seen
      cursor = decodeCursor(page.next_cursor)
      yield* yieldToEventLoop
    }
  })
