import { Effect } from "effect"
import type { StoreReadError } from "../../domain/errors.ts"
import { LEVELS, type Level } from "../../domain/log-record.ts"
import { LogStore } from "../../ports/log-store.ts"
import type { Agg } from "./aggs.ts"
import { type BucketBudget, histogramFromCounts } from "./buckets.ts"
import type { SearchFilter } from "./filter.ts"

/**
 * The aggregations that only count, which the store can count itself without handing over a
 * record: a lone date histogram (Grafana's count graph: one store histogram), and `terms` on
 * `level` or `service` holding a lone date histogram (Grafana's logs volume and per-service
 * graphs: one store histogram per value, for at most MAX_HISTOGRAMS values). Anything else is
 * computed by LogFlow over the records (buckets.ts).
 */

const MAX_HISTOGRAMS = 64

type HistogramAgg = Extract<Agg, { type: "date_histogram" }>
type TermsAgg = Extract<Agg, { type: "terms" }>
type Counts = ReadonlyArray<{ readonly bucket: number; readonly count: number }>

const countingHistogram = (agg: Agg | undefined): HistogramAgg | undefined =>
  agg?.type === "date_histogram" && agg.children.length === 0 && agg.interval.kind === "fixed" ? agg : undefined

/** The one shape of `aggs` the store can count, if it is one. */
const countable = (aggs: ReadonlyArray<Agg>): { histogram: HistogramAgg; terms?: TermsAgg; field?: "level" | "service" } | undefined => {
  if (aggs.length !== 1) return undefined
  const [only] = aggs
  const histogram = countingHistogram(only)
  if (histogram) return { histogram }
  // `missing` changes nothing here: every record has a level and a service.
  if (only?.type !== "terms" || only.children.length !== 1 || typeof only.order.by === "object") return undefined
  const inner = countingHistogram(only.children[0])
  const field = only.field.kind === "field" && (only.field.name === "level" || only.field.name === "service") ? only.field.name : undefined
  return inner && field ? { histogram: inner, terms: only, field } : undefined
}

const termsBody = (terms: TermsAgg, histogram: HistogramAgg, perValue: ReadonlyArray<[string, Counts]>, budget: BucketBudget) => {
  const totals = perValue
    .map(([value, counts]) => [value, counts, counts.reduce((n, c) => n + c.count, 0)] as const)
    .filter(([, , n]) => n > 0 && n >= terms.minDocCount)
  const sign = terms.order.desc ? -1 : 1
  const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
  totals.sort((a, b) => (terms.order.by === "_key" ? sign * byKey(a[0], b[0]) : sign * (a[2] - b[2]) || byKey(a[0], b[0])))
  const shown = totals.slice(0, terms.size)
  return {
    doc_count_error_upper_bound: 0,
    sum_other_doc_count: totals.slice(terms.size).reduce((n, [, , count]) => n + count, 0),
    buckets: shown.map(([key, counts, count]) => {
      budget.used++
      return { key, doc_count: count, [histogram.name]: histogramFromCounts(histogram, counts, budget) }
    })
  }
}

/** The aggregations and the number of matches, or undefined when the store cannot count these aggregations. */
export const storeCounts = (
  filter: SearchFilter,
  aggs: ReadonlyArray<Agg>,
  budget: BucketBudget
): Effect.Effect<{ aggregations: Record<string, unknown>; total: number } | undefined, StoreReadError, LogStore> =>
  Effect.gen(function* () {
    const shape = countable(aggs)
    if (!shape) return undefined
    const store = yield* LogStore
    const bucketMs = shape.histogram.interval.kind === "fixed" ? shape.histogram.interval.ms : 0
    if (!shape.terms) {
      const counts = yield* store.histogram(filter, bucketMs)
      return { aggregations: { [shape.histogram.name]: histogramFromCounts(shape.histogram, counts, budget) }, total: counts.reduce((n, c) => n + c.count, 0) }
    }
    const values: ReadonlyArray<string> = shape.field === "level" ? LEVELS : [...new Set((yield* store.allTime()).map((c) => c.service))].sort()
    if (values.length > MAX_HISTOGRAMS) return undefined
    const perValue: Array<[string, Counts]> = []
    for (const value of values) {
      const scoped = shape.field === "level" ? { ...filter, levels: [value as Level] } : { ...filter, services: [value] }
      perValue.push([value, yield* store.histogram(scoped, bucketMs)])
    }
    const total = perValue.reduce((n, [, counts]) => n + counts.reduce((m, c) => m + c.count, 0), 0)
    return { aggregations: { [shape.terms.name]: termsBody(shape.terms, shape.histogram, perValue, budget) }, total }
  })
