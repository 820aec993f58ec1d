import type { LogRecord } from "../../domain/log-record.ts"
import type { Agg } from "./aggs.ts"
import { tooExpensive } from "./errors.ts"
import { numericValue, recordValue } from "./fields.ts"
import { bucketStart, bucketsBetween, nextBucket } from "./interval.ts"
import { type MetricCollector, metricCollector } from "./metrics.ts"

/**
 * Aggregations computed in LogFlow over the records of a search, one record at a time: each
 * bucket aggregation keeps a bucket per key, each bucket a count and its own sub-aggregations.
 * Every bucket made counts against the search's budget (ES_SEARCH_MAX_BUCKETS), as
 * Elasticsearch's `search.max_buckets` does, so no request can make LogFlow hold an unbounded
 * tree; the empty buckets a date histogram fills in count too.
 */

export interface BucketBudget {
  readonly max: number
  used: number
}

export interface Collector {
  readonly add: (record: LogRecord) => void
  readonly result: () => unknown
  readonly orderValue: (percent?: number) => number
}

interface Bucket {
  count: number
  readonly children: ReadonlyArray<readonly [string, Collector]>
}

const spend = (budget: BucketBudget, n = 1) => {
  budget.used += n
  if (budget.used > budget.max) throw tooExpensive(`the aggregations would make more than ${budget.max} buckets`, "ES_SEARCH_MAX_BUCKETS")
}

const newBucket = (aggs: ReadonlyArray<Agg>, budget: BucketBudget): Bucket => {
  spend(budget)
  return { count: 0, children: aggs.map((a) => [a.name, collector(a, budget)] as const) }
}

/** A bucket no record fell in, shown with its (empty) sub-aggregations. */
const emptyBucket = (aggs: ReadonlyArray<Agg>, budget: BucketBudget): Bucket => ({
  count: 0,
  children: aggs.map((a) => [a.name, collector(a, budget)] as const)
})

const addTo = (bucket: Bucket, record: LogRecord) => {
  bucket.count++
  for (const [, child] of bucket.children) child.add(record)
}

const bucketBody = (bucket: Bucket) => {
  const body: Record<string, unknown> = { doc_count: bucket.count }
  for (const [name, child] of bucket.children) body[name] = child.result()
  return body
}

type HistogramAgg = Extract<Agg, { type: "date_histogram" }>
type TermsAgg = Extract<Agg, { type: "terms" }>

const histogramCollector = (agg: HistogramAgg, budget: BucketBudget): Collector & { addCount: (start: number, count: number) => void } => {
  const buckets = new Map<number, Bucket>()
  const result = () => {
    const keys = [...buckets.keys()].sort((a, b) => a - b)
    let first = keys[0]
    let last = keys.at(-1)
    if (agg.minDocCount === 0 && agg.bounds) {
      const low = bucketStart(agg.interval, agg.bounds.min)
      const high = bucketStart(agg.interval, agg.bounds.max)
      first = first === undefined ? low : Math.min(first, low)
      last = last === undefined ? high : Math.max(last, high)
    }
    const out: unknown[] = []
    if (first === undefined || last === undefined) return { buckets: out }
    if (agg.minDocCount === 0) spend(budget, Math.max(0, bucketsBetween(agg.interval, first, last) - buckets.size))
    for (let key = first; key <= last; key = nextBucket(agg.interval, key)) {
      const bucket = buckets.get(key)
      if (bucket === undefined && agg.minDocCount > 0) continue
      if (bucket !== undefined && bucket.count < agg.minDocCount) continue
      const body = bucketBody(bucket ?? emptyBucket(agg.children, budget))
      out.push({ key_as_string: agg.epochMillisKeys ? String(key) : new Date(key).toISOString(), key, ...body })
    }
    return { buckets: out }
  }
  return {
    add: (record) => {
      const key = bucketStart(agg.interval, record.timestamp)
      let bucket = buckets.get(key)
      if (!bucket) buckets.set(key, (bucket = newBucket(agg.children, budget)))
      addTo(bucket, record)
    },
    addCount: (start, count) => {
      const key = bucketStart(agg.interval, start)
      let bucket = buckets.get(key)
      if (!bucket) buckets.set(key, (bucket = newBucket([], budget)))
      bucket.count += count
    },
    result,
    orderValue: () => Number.NaN
  }
}

/** A date histogram without sub-aggregations from counts the store made per bucket. */
export const histogramFromCounts = (agg: HistogramAgg, counts: ReadonlyArray<{ readonly bucket: number; readonly count: number }>, budget: BucketBudget) => {
  const histogram = histogramCollector(agg, budget)
  for (const c of counts) histogram.addCount(c.bucket, c.count)
  return histogram.result()
}

/** A bucket key as Elasticsearch shows it: numbers as numbers, booleans as 1/0 with their text. */
const keyFields = (value: string | number | boolean) => (typeof value === "boolean" ? { key: value ? 1 : 0, key_as_string: String(value) } : { key: value })

const termsCollector = (agg: TermsAgg, budget: BucketBudget): Collector => {
  const buckets = new Map<string | number | boolean, Bucket>()
  const compareBy = (a: [string | number | boolean, Bucket], b: [string | number | boolean, Bucket]): number => {
    const { by, desc } = agg.order
    const sign = desc ? -1 : 1
    let diff: number
    if (by === "_key") diff = a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0
    else if (by === "_count") diff = a[1].count - b[1].count
    else {
      const value = (bucket: Bucket) => bucket.children.find(([n]) => n === by.agg)![1].orderValue(by.percent)
      const [x, y] = [value(a[1]), value(b[1])]
      // Buckets without a value sort last, either way.
      diff = Number.isNaN(x) ? (Number.isNaN(y) ? 0 : -sign) : Number.isNaN(y) ? sign : x - y
    }
    if (diff !== 0) return diff * sign
    return by === "_count" ? (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0) : b[1].count - a[1].count
  }
  return {
    add: (record) => {
      const value = recordValue(record, agg.field) ?? agg.missing
      if (value === undefined) return
      let bucket = buckets.get(value)
      if (!bucket) buckets.set(value, (bucket = newBucket(agg.children, budget)))
      addTo(bucket, record)
    },
    result: () => {
      const kept = [...buckets].filter(([, b]) => b.count >= agg.minDocCount).sort(compareBy)
      const shown = kept.slice(0, agg.size)
      const other = kept.slice(agg.size).reduce((n, [, b]) => n + b.count, 0)
      return { doc_count_error_upper_bound: 0, sum_other_doc_count: other, buckets: shown.map(([key, b]) => ({ ...keyFields(key), ...bucketBody(b) })) }
    },
    orderValue: () => Number.NaN
  }
}

type NumericHistogramAgg = Extract<Agg, { type: "histogram" }>
type FiltersAgg = Extract<Agg, { type: "filters" }>

/** `histogram` on a numeric field: buckets of `interval` from 0, empty ones filled when min_doc_count is 0. */
const numericHistogramCollector = (agg: NumericHistogramAgg, budget: BucketBudget): Collector => {
  const buckets = new Map<number, Bucket>()
  const keyOf = (v: number) => Math.floor(v / agg.interval) * agg.interval
  return {
    add: (record) => {
      const v = numericValue(recordValue(record, agg.field))
      if (v === undefined) return
      const key = keyOf(v)
      let bucket = buckets.get(key)
      if (!bucket) buckets.set(key, (bucket = newBucket(agg.children, budget)))
      addTo(bucket, record)
    },
    result: () => {
      const keys = [...buckets.keys()].sort((a, b) => a - b)
      if (agg.minDocCount > 0)
        return { buckets: keys.filter((k) => buckets.get(k)!.count >= agg.minDocCount).map((key) => ({ key, ...bucketBody(buckets.get(key)!) })) }
      let [first, last] = [keys[0], keys.at(-1)]
      if (agg.bounds)
        [first, last] = [Math.min(first ?? keyOf(agg.bounds.min), keyOf(agg.bounds.min)), Math.max(last ?? keyOf(agg.bounds.max), keyOf(agg.bounds.max))]
      if (first === undefined || last === undefined) return { buckets: [] }
      const steps = Math.round((last - first) / agg.interval)
      spend(budget, Math.max(0, steps + 1 - buckets.size))
      const out = []
      for (let i = 0; i <= steps; i++) {
        const key = first + i * agg.interval
        out.push({ key, ...bucketBody(buckets.get(key) ?? emptyBucket(agg.children, budget)) })
      }
      return { buckets: out }
    },
    orderValue: () => Number.NaN
  }
}

/** `filters`: one bucket per query, keyed by its name (or a list for the anonymous form); a record may fall in several. */
const filtersCollector = (agg: FiltersAgg, budget: BucketBudget): Collector => {
  const buckets = agg.filters.map((f) => ({ filter: f, bucket: newBucket(agg.children, budget) }))
  return {
    add: (record) => {
      for (const { filter, bucket } of buckets) if (filter.matches(record)) addTo(bucket, record)
    },
    result: () => {
      const keyed = agg.filters.every((f) => f.key !== undefined)
      if (!keyed) return { buckets: buckets.map(({ bucket }) => bucketBody(bucket)) }
      return { buckets: Object.fromEntries(buckets.map(({ filter, bucket }) => [filter.key!, bucketBody(bucket)])) }
    },
    orderValue: () => Number.NaN
  }
}

export const collector = (agg: Agg, budget: BucketBudget): Collector | MetricCollector => {
  if (agg.type === "date_histogram") return histogramCollector(agg, budget)
  if (agg.type === "terms") return termsCollector(agg, budget)
  if (agg.type === "histogram") return numericHistogramCollector(agg, budget)
  if (agg.type === "filters") return filtersCollector(agg, budget)
  return metricCollector(agg)
}

/** The collectors of a search's top-level aggregations, and their `aggregations` body. */
export const collectAll = (aggs: ReadonlyArray<Agg>, budget: BucketBudget) => {
  const collectors = aggs.map((a) => [a.name, collector(a, budget)] as const)
  return {
    add: (record: LogRecord) => {
      for (const [, c] of collectors) c.add(record)
    },
    result: () => Object.fromEntries(collectors.map(([name, c]) => [name, c.result()]))
  }
}
