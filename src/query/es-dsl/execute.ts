import { Effect } from "effect"
import type { StoreReadError } from "../../domain/errors.ts"
import type { LogRecord } from "../../domain/log-record.ts"
import { LogStore } from "../../ports/log-store.ts"
import type { Agg } from "./aggs.ts"
import { type BucketBudget, collectAll } from "./buckets.ts"
import type { EsDslError } from "./errors.ts"
import type { SearchFilter } from "./filter.ts"
import { toHit } from "./hits.ts"
import type { SearchPlan } from "./request.ts"
import { type ScanBounds, scanMatches } from "./scan.ts"
import { storeCounts } from "./store-counts.ts"

/**
 * Runs a planned search on the LogStore port, so it answers the same on every store: a page
 * of hits from the store's own search (newest first; oldest first reads the range within the
 * scan bounds), aggregations that only count counted by the store itself (store-counts.ts),
 * and any other aggregations computed over the matching records within the bounds. Answers
 * Elasticsearch's response body.
 */

export interface RunBounds extends ScanBounds {
  readonly maxBuckets: number
}

type Hits = { readonly hits: ReadonlyArray<unknown>; readonly total: number; readonly lowerBound: boolean }

const SHARDS = { total: 1, successful: 1, skipped: 0, failed: 0 }

/** The filter narrowed to what comes after `search_after` when it holds a time, not one of LogFlow's cursors. */
const afterTime = (filter: SearchFilter, plan: SearchPlan): SearchFilter => {
  if (!plan.after || !("time" in plan.after)) return filter
  const t = plan.after.time
  return plan.ascending ? { ...filter, from: Math.max(filter.from ?? 0, t + 1) } : { ...filter, to: Math.min(filter.to ?? Number.MAX_SAFE_INTEGER, t - 1) }
}

const newestFirst = (filter: SearchFilter, plan: SearchPlan, index: string) =>
  Effect.gen(function* () {
    const store = yield* LogStore
    const cursor = plan.after && "cursor" in plan.after ? plan.after.cursor : undefined
    const page = yield* store.search({ ...afterTime(filter, plan), limit: Math.max(1, plan.from + plan.size), ...(cursor ? { cursor } : {}) })
    const shown = page.logs.slice(plan.from, plan.from + plan.size)
    const hits = shown.map((record, i) => toHit(record, index, plan.fields, i === shown.length - 1 && page.next_cursor ? page.next_cursor : record.id))
    return { hits, total: page.total, lowerBound: page.total_is_lower_bound }
  })

const oldestFirst = (filter: SearchFilter, plan: SearchPlan, index: string, bounds: ScanBounds) =>
  Effect.gen(function* () {
    // The scan runs newest first: a ring keeps the last `from + size` seen, the oldest.
    const keep = plan.from + plan.size
    const ring: LogRecord[] = []
    let seen = 0
    const total = yield* scanMatches(afterTime(filter, plan), bounds, (record) => {
      if (keep > 0) ring[seen % keep] = record
      seen++
    })
    const start = keep === 0 ? 0 : seen % keep
    const oldest = (seen > keep ? [...ring.slice(start), ...ring.slice(0, start)] : ring).reverse()
    const hits = oldest.slice(plan.from).map((record) => toHit(record, index, plan.fields, record.id))
    return { hits, total, lowerBound: false }
  })

const aggregate = (filter: SearchFilter, aggs: ReadonlyArray<Agg>, bounds: RunBounds) =>
  Effect.gen(function* () {
    const budget: BucketBudget = { max: bounds.maxBuckets, used: 0 }
    const counted = yield* storeCounts(filter, aggs, budget)
    if (counted) return counted
    const collectors = collectAll(aggs, budget)
    const total = yield* scanMatches(filter, bounds, collectors.add)
    return { aggregations: collectors.result(), total }
  })

const emptyAggregations = (aggs: ReadonlyArray<Agg>, bounds: RunBounds) => collectAll(aggs, { max: bounds.maxBuckets, used: 0 }).result()

export const executeSearch = (
  plan: SearchPlan,
  index: string,
  bounds: RunBounds
): Effect.Effect<Record<string, unknown>, EsDslError | StoreReadError, LogStore> =>
  Effect.gen(function* () {
    const started = performance.now()
    const filter = plan.filter
    let hits: Hits = { hits: [], total: 0, lowerBound: false }
    let aggregations: Record<string, unknown> | undefined
    if (filter === undefined) {
      if (plan.aggs.length > 0) aggregations = emptyAggregations(plan.aggs, bounds)
    } else {
      if (plan.aggs.length > 0) {
        const result = yield* aggregate(filter, plan.aggs, bounds)
        aggregations = result.aggregations
        hits = { hits: [], total: result.total, lowerBound: false }
      }
      if (plan.size > 0 || plan.aggs.length === 0) {
        const page = plan.ascending ? yield* oldestFirst(filter, plan, index, bounds) : yield* newestFirst(filter, plan, index)
        hits = plan.aggs.length > 0 ? { ...page, total: hits.total, lowerBound: false } : page
      }
    }
    return {
      took: Math.round(performance.now() - started),
      timed_out: false,
      _shards: SHARDS,
      hits: {
        ...(plan.trackTotalHits ? { total: { value: hits.total, relation: hits.lowerBound ? "gte" : "eq" } } : {}),
        max_score: null,
        hits: hits.hits
      },
      ...(aggregations === undefined ? {} : { aggregations })
    }
  })
