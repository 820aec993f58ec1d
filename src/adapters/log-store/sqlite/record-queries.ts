import type { Database } from "bun:sqlite"
import { Option } from "effect"
import { LEVELS, type LogRecord } from "../../../domain/log-record.ts"
import { encodeCursor, type SearchRequest } from "../../../domain/search-request.ts"
import type { FacetField, Facets, RecordContext, SearchPage } from "../../../ports/log-store.ts"
import { makeBlockReader } from "./block-read.ts"
import { type Hit, makeScanner, seqOf } from "./block-scan.ts"
import type { SqliteStoreConfig } from "./open.ts"
import { outOfTime, startBudget } from "./read-budget.ts"

/**
 * The embedded store's record queries (search, lookup by id, context, facets, histogram), as
 * plain functions over one connection: what a search does, separate from where it runs.
 */

const recordsOf = (hits: ReadonlyArray<Hit>) => hits.map((h) => h.block.record(h.index))

type Settings = Pick<SqliteStoreConfig, "countCap" | "countBudgetMs" | "timeoutMs" | "searchTextCacheBytes">

export const makeRecordQueries = (db: Database, config: Settings) => {
  const reader = makeBlockReader(db, config.searchTextCacheBytes)
  const scanner = makeScanner(db, reader)

  const search = (request: SearchRequest): SearchPage => {
    const before = request.cursor && { ts: request.cursor.timestamp, seq: Number(request.cursor.tiebreak) }
    const budget = startBudget(config.timeoutMs)
    const countUntil = performance.now() + (config.countBudgetMs ?? Infinity)
    const cap = request.count === false ? 0 : config.countCap
    const { hits, count, counted } = scanner.newest(request, request.limit + 1, before, cap, countUntil, Date.now(), budget)
    const hasMore = hits.length > request.limit
    const page = hits.slice(0, request.limit)
    const last = page.at(-1)
    return {
      logs: recordsOf(page),
      total: Math.min(count, cap),
      total_is_lower_bound: count > cap || !counted || request.count === false,
      ...(hasMore && last ? { next_cursor: encodeCursor({ timestamp: last.ts, tiebreak: String(last.seq) }) } : {})
    }
  }

  const get = (id: string): Option.Option<LogRecord> => Option.fromNullable(reader.find(id)).pipe(Option.map(({ block, index }) => block.record(index)))

  /** The lines logged just before and after a record by the same service (and host, if it has one). */
  const context = (id: string, before: number, after: number): Option.Option<RecordContext> => {
    const budget = startBudget(config.timeoutMs)
    const found = reader.find(id)
    if (!found) return Option.none()
    const anchor = found.block.record(found.index)
    const at = { ts: anchor.timestamp, seq: seqOf(found.block, found.index) }
    // Same service, and same host when the record has one; ordered by (ts, seq) like search.
    const same = {
      services: [anchor.service],
      ...(anchor.host === undefined ? {} : { text: { kind: "field", field: "host", op: "eq", value: anchor.host } as const })
    }
    const older = before > 0 ? scanner.newest(same, before, at, 0, 0, Date.now(), budget).hits : []
    const newer = after > 0 ? scanner.oldest(same, after, at, Date.now(), budget) : []
    return Option.some({ before: recordsOf(older).reverse(), record: anchor, after: recordsOf(newer) })
  }

  /** Top values of some fields among the newest `scanLimit` matches, tallied within the count budget. */
  const facets = (request: Omit<SearchRequest, "limit" | "cursor">, fields: ReadonlyArray<FacetField>, top: number, scanLimit: number): Facets => {
    const tallies = new Map(fields.map((f) => [f, new Map<string, number>()]))
    const tally = (field: FacetField, value: string | undefined) => {
      const counts = tallies.get(field)
      if (counts && value !== undefined) counts.set(value, (counts.get(value) ?? 0) + 1)
    }
    let scanned = 0
    // A sample as large as the limit allows, and as the time budgets allow: a sample is a
    // complete answer, so the search budget ends it as the count budget does.
    const budget = startBudget(config.timeoutMs)
    const until = performance.now() + (config.countBudgetMs ?? Infinity)
    const whole = scanner.forEachMatch(request, Date.now(), (block, rows) => {
      const hosts = fields.includes("host") ? block.hosts() : []
      // Newest rows first: they are the ones to count when the limit falls inside a block.
      for (let i = rows.length - 1; i >= 0 && scanned < scanLimit; i--) {
        if (!rows[i]) continue
        scanned++
        tally("service", block.summary.service)
        tally("level", LEVELS[block.head.level[i]!])
        const h = block.head.host[i]!
        tally("host", h === 0 ? undefined : hosts[h - 1])
      }
      return scanned < scanLimit && performance.now() < until && !outOfTime(budget)
    })
    const result: Record<string, Array<{ value: string; count: number }>> = {}
    for (const [field, counts] of tallies) {
      result[field] = [...counts]
        .map(([value, count]) => ({ value, count }))
        .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
        .slice(0, top)
    }
    return { fields: result, scanned, sampled: !whole }
  }

  const histogram = (request: Omit<SearchRequest, "limit" | "cursor">, bucketMs: number) =>
    scanner.histogram(request, bucketMs, Date.now(), startBudget(config.timeoutMs))

  return { search, get, context, facets, histogram }
}
