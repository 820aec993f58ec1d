import { type Cursor, decodeCursor } from "../../domain/search-request.ts"
import type { QueryLimits } from "../../domain/query-cost.ts"
import { recordMatcher } from "../../domain/record-matcher.ts"
import { type Agg, parseAggs, type RecordTest } from "./aggs.ts"
import { malformed, tooExpensive, unsupported } from "./errors.ts"
import { resolveField } from "./fields.ts"
import { toSearchFilter, type SearchFilter } from "./filter.ts"
import { compileQuery } from "./query.ts"
import { parseEsTime } from "./time.ts"

/**
 * A `_search` body read into what LogFlow runs: the store filter, the page (`size`, `from`,
 * newest or oldest first, `search_after`), the aggregations, and the fields the hits carry.
 * Keys that only shape scoring or highlighting are accepted and have no effect; keys that
 * would change which documents match or how they are computed, and that LogFlow does not run,
 * are a 400 naming them.
 */

export interface SearchLimits extends QueryLimits {
  readonly maxResultWindow: number
  readonly maxQueryDepth: number
  readonly maxAggDepth: number
  readonly maxBuckets: number
}

export type After = { readonly cursor: Cursor } | { readonly time: number }

export interface SearchPlan {
  /** Undefined: the query matches nothing. */
  readonly filter: SearchFilter | undefined
  readonly size: number
  readonly from: number
  readonly ascending: boolean
  readonly after?: After
  readonly aggs: ReadonlyArray<Agg>
  /** Fields asked for in `fields` and `docvalue_fields`, returned in each hit's `fields`. */
  readonly fields: ReadonlyArray<string>
  readonly trackTotalHits: boolean
}

type Obj = Record<string, unknown>
const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v)

const ACCEPTED = new Set([
  "query",
  "size",
  "from",
  "sort",
  "search_after",
  "aggs",
  "aggregations",
  "track_total_hits",
  "_source",
  "docvalue_fields",
  "script_fields",
  "fields",
  "highlight",
  "stored_fields",
  "timeout",
  "version",
  "seq_no_primary_term",
  "track_scores",
  "explain",
  "profile",
  "indices_boost"
])

const whole = (value: unknown, fallback: number, path: string) => {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) throw malformed(path, `expects a non-negative whole number, got [${String(value)}]`)
  return n
}

/** `sort` as Elasticsearch takes it (a name, `{name: order}`, `{name: {order}}`, or a list of these) → ascending? */
const sortOrder = (sort: unknown): boolean => {
  const entries: Array<[string, unknown]> = []
  for (const item of sort === undefined ? [] : Array.isArray(sort) ? sort : [sort]) {
    if (typeof item === "string") entries.push([item, undefined])
    else if (isObject(item)) entries.push(...Object.entries(item))
    else throw malformed("sort", "expects a field name or an object")
  }
  let ascending: boolean | undefined
  for (const [name, spec] of entries) {
    const order = typeof spec === "string" ? spec : isObject(spec) ? spec.order : undefined
    if (order !== undefined && order !== "asc" && order !== "desc") throw malformed(`sort.${name}`, `order must be [asc] or [desc], got [${String(order)}]`)
    if (name === "_doc" || name === "_score") continue
    if (resolveField(name).kind !== "time") throw unsupported(`sort.${name}`, "sorting on a field other than @timestamp")
    ascending ??= order === "asc"
  }
  return ascending ?? false
}

const searchAfter = (value: unknown, now: number): After | undefined => {
  if (value === undefined) return undefined
  if (!Array.isArray(value) || value.length === 0 || value.length > 2) throw malformed("search_after", "expects the sort values of a hit: [time, tiebreak]")
  const cursor = typeof value[1] === "string" ? decodeCursor(value[1]) : undefined
  if (cursor) return { cursor }
  return { time: parseEsTime(value[0], undefined, now, "search_after[0]") }
}

const requestedFields = (body: Obj): ReadonlyArray<string> =>
  [...(Array.isArray(body.fields) ? body.fields : []), ...(Array.isArray(body.docvalue_fields) ? body.docvalue_fields : [])].flatMap((f) =>
    typeof f === "string" ? [f] : isObject(f) && typeof f.field === "string" ? [f.field] : []
  )

/** A query as a test of one record, with the meaning the stores give it (record-matcher.ts), time range included. */
const filterTest =
  (limits: SearchLimits, now: number) =>
  (query: unknown, path: string): RecordTest => {
    const filter = toSearchFilter(compileQuery(query, { now, maxDepth: limits.maxQueryDepth }, path), now, limits)
    if (filter === undefined) return () => false
    const matches = recordMatcher(filter)
    const [from, to] = [filter.from ?? Number.NEGATIVE_INFINITY, filter.to ?? Number.POSITIVE_INFINITY]
    return (record) => record.timestamp >= from && record.timestamp <= to && matches(record)
  }

export const planSearch = (body: unknown, limits: SearchLimits, now: number): SearchPlan => {
  if (body === undefined || body === null) body = {}
  if (!isObject(body)) throw malformed("body", "expects a JSON object")
  for (const key of Object.keys(body)) {
    if (!ACCEPTED.has(key)) throw unsupported(key, `the [${key}] search option`)
  }
  if (isObject(body.script_fields) && Object.keys(body.script_fields).length > 0) throw unsupported("script_fields", "scripted fields")
  const size = whole(body.size, 10, "size")
  const from = whole(body.from, 0, "from")
  if (from + size > limits.maxResultWindow)
    throw tooExpensive(
      `Result window is too large, from + size must be less than or equal to: [${limits.maxResultWindow}] but was [${from + size}]`,
      "ES_SEARCH_MAX_RESULT_WINDOW"
    )
  const after = searchAfter(body.search_after, now)
  if (after && from > 0) throw malformed("from", "[from] parameter must be set to 0 when [search_after] is used")
  const condition = body.query === undefined ? { kind: "all" as const } : compileQuery(body.query, { now, maxDepth: limits.maxQueryDepth })
  const aggBody = body.aggs ?? body.aggregations
  return {
    filter: toSearchFilter(condition, now, limits),
    size,
    from,
    ascending: sortOrder(body.sort),
    ...(after ? { after } : {}),
    aggs:
      aggBody === undefined
        ? []
        : parseAggs(aggBody, { maxDepth: limits.maxAggDepth, maxBuckets: limits.maxBuckets, now, compileFilter: filterTest(limits, now) }),
    fields: requestedFields(body),
    trackTotalHits: body.track_total_hits !== false
  }
}
