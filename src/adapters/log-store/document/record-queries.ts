import type { estypes } from "@elastic/elasticsearch"
import { Effect, Option } from "effect"
import type { StoreReadError } from "../../../domain/errors.ts"
import type { LogRecord } from "../../../domain/log-record.ts"
import { encodeCursor, type SearchRequest } from "../../../domain/search-request.ts"
import type { FacetField } from "../../../ports/log-store.ts"
import { type Aggregate, buckets } from "./aggregations.ts"
import { compileSearch, type Dialect, NEWEST_FIRST, OLDEST_FIRST } from "./query.ts"
import { RECORD_FIELDS, type Source, toRecord } from "./records.ts"

/**
 * The document store's record queries (search, lookup by id, context, facets, histogram), each
 * one or two engine searches over the alias: `search_after` paging, aggregations for facets
 * and histograms.
 */

/** Facet samples read up to this many of the newest matches (the indices' max_result_window). */
export const MAX_SAMPLE = 200_000

type Filter = Omit<SearchRequest, "limit" | "cursor">
export type SearchAlias = (request: Omit<estypes.SearchRequest, "index">) => Effect.Effect<estypes.SearchResponse<Source>, StoreReadError>

const hitTotal = (response: estypes.SearchResponse<Source>) =>
  typeof response.hits.total === "number" ? response.hits.total : (response.hits.total?.value ?? 0)

/** One page of a search asked for `limit + 1` hits: the extra one says whether there is a next page. */
const pageOf = (response: estypes.SearchResponse<Source>, limit: number, countCap: number) => {
  const hits = response.hits.hits
  const page = hits.slice(0, limit)
  const total = hitTotal(response)
  const last = page.at(-1)?._source
  return {
    logs: page.map((h) => toRecord(h._source!)),
    total: Math.min(total, countCap),
    // A cap of 0: the caller asked for no count (`count: false`), so 0 is only a lower bound.
    total_is_lower_bound: total > countCap || countCap === 0,
    ...(hits.length > limit && last ? { next_cursor: encodeCursor({ timestamp: Number(last.timestamp), tiebreak: last.id }) } : {})
  }
}

/** The matches at or after one record in newest-first order (time, then id, as the sort). */
const atOrAfter = (matches: estypes.QueryDslQueryContainer, edge: Pick<Source, "timestamp" | "id">): estypes.QueryDslQueryContainer => ({
  bool: {
    filter: [
      matches,
      {
        bool: {
          should: [
            { range: { timestamp: { gt: Number(edge.timestamp) } } },
            { bool: { filter: [{ term: { timestamp: Number(edge.timestamp) } }, { range: { id: { gte: edge.id } } }] } }
          ],
          minimum_should_match: 1
        }
      }
    ]
  }
})

export const makeRecordQueries = (search: SearchAlias, aggregate: Aggregate, dialect: Dialect, countCap: number) => {
  const searchPage = (request: SearchRequest) =>
    search({
      query: compileSearch(request, Date.now(), dialect),
      sort: NEWEST_FIRST,
      size: request.limit + 1,
      track_total_hits: request.count === false ? false : countCap + 1,
      _source: RECORD_FIELDS,
      ...(request.cursor ? { search_after: [request.cursor.timestamp, request.cursor.tiebreak] } : {})
    }).pipe(Effect.map((response) => pageOf(response, request.limit, request.count === false ? 0 : countCap)))

  const findById = (id: string) =>
    search({ size: 1, query: { term: { id } }, _source: RECORD_FIELDS }).pipe(
      Effect.map((r) => Option.fromNullable(r.hits.hits[0]?._source).pipe(Option.map(toRecord)))
    )

  /** The lines logged just before and after a record by the same service (and host, if it has one). */
  const context = (id: string, before: number, after: number) =>
    Effect.gen(function* () {
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
    })

  /** Top values of some fields among the newest `scanLimit` matches (at most MAX_SAMPLE). */
  const facets = (request: Filter, fields: ReadonlyArray<FacetField>, top: number, scanLimit: number) =>
    Effect.gen(function* () {
      const limit = Math.min(scanLimit, MAX_SAMPLE)
      const matches = compileSearch(request, Date.now(), dialect)
      const counted = yield* search({ size: 0, query: matches, track_total_hits: limit })
      const total = hitTotal(counted)
      let sample = matches
      if (total >= limit) {
        // Only the newest `limit` matches: those at or after the limit-th newest one.
        const edge = yield* search({ query: matches, sort: NEWEST_FIRST, from: limit - 1, size: 1, _source: ["id", "timestamp"], track_total_hits: false })
        const last = edge.hits.hits[0]?._source
        if (last) sample = atOrAfter(matches, last)
      }
      const aggs = yield* aggregate(
        sample,
        Object.fromEntries(fields.map((f) => [f, { terms: { field: f, size: top, order: [{ _count: "desc" as const }, { _key: "asc" as const }] } }]))
      )
      const result: Record<string, Array<{ value: string; count: number }>> = {}
      for (const f of fields) result[f] = buckets(aggs[f]).map((b) => ({ value: String(b.key), count: b.doc_count }))
      const scanned = Math.min(total, limit)
      return { fields: result, scanned, sampled: scanned >= scanLimit }
    })

  const histogram = (request: Filter, bucketMs: number) =>
    aggregate(compileSearch(request, Date.now(), dialect), {
      buckets: { date_histogram: { field: "timestamp", fixed_interval: `${bucketMs}ms`, min_doc_count: 1 } }
    }).pipe(Effect.map((aggs) => buckets(aggs.buckets).map((b) => ({ bucket: Number(b.key), count: b.doc_count }))))

  return { search: searchPage, get: findById, context, facets, histogram }
}
