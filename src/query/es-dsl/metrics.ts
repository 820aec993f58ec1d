import type { LogRecord } from "../../domain/log-record.ts"
import type { Agg, MetricType } from "./aggs.ts"
import { numericValue, recordValue } from "./fields.ts"

/**
 * Metric aggregations over the records of one bucket, answered as Elasticsearch answers them:
 * `{value}` (null for `avg`, `min`, `max` of no values; 0 for `sum`), `percentiles` as
 * `{values: {"95.0": …}}` computed exactly (linear interpolation between the closest ranks),
 * `cardinality` as the exact number of distinct values.
 */

export interface MetricCollector {
  readonly add: (record: LogRecord) => void
  readonly result: () => unknown
  /** The value a terms aggregation orders its buckets by. */
  readonly orderValue: (percent?: number) => number
}

type MetricAgg = Extract<Agg, { type: MetricType | "percentiles" }>

const percentileOf = (sorted: ReadonlyArray<number>, percent: number): number | null => {
  if (sorted.length === 0) return null
  const rank = (percent / 100) * (sorted.length - 1)
  const low = Math.floor(rank)
  const high = Math.ceil(rank)
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low)
}

/** Elasticsearch's key for a percent: a double's text, `95.0`, `99.9`. */
export const percentKey = (p: number) => (Number.isInteger(p) ? p.toFixed(1) : String(p))

const percentilesCollector = (agg: Extract<Agg, { type: "percentiles" }>): MetricCollector => {
  const values: number[] = []
  let sorted: number[] | undefined
  const ordered = () => (sorted ??= values.sort((a, b) => a - b))
  return {
    add: (record) => {
      const v = numericValue(recordValue(record, agg.field))
      if (v !== undefined) values.push(v)
    },
    result: () => {
      const all = ordered()
      if (!agg.keyed) return { values: agg.percents.map((p) => ({ key: p, value: percentileOf(all, p) })) }
      return { values: Object.fromEntries(agg.percents.map((p) => [percentKey(p), percentileOf(all, p)])) }
    },
    orderValue: (percent) => percentileOf(ordered(), percent ?? agg.percents[0]!) ?? Number.NaN
  }
}

const cardinalityCollector = (agg: MetricAgg): MetricCollector => {
  const seen = new Set<string>()
  return {
    add: (record) => {
      const v = recordValue(record, agg.field)
      if (v !== undefined) seen.add(String(v))
    },
    result: () => ({ value: seen.size }),
    orderValue: () => seen.size
  }
}

export const metricCollector = (agg: MetricAgg): MetricCollector => {
  if (agg.type === "percentiles") return percentilesCollector(agg)
  if (agg.type === "cardinality") return cardinalityCollector(agg)
  let n = 0
  let sum = 0
  let min = Number.POSITIVE_INFINITY
  let max = Number.NEGATIVE_INFINITY
  const value = (): number | null => {
    switch (agg.type) {
      case "sum":
        return sum
      case "value_count":
        return n
      case "avg":
        return n === 0 ? null : sum / n
      case "min":
        return n === 0 ? null : min
      default:
        return n === 0 ? null : max
    }
  }
  return {
    add: (record) => {
      const raw = recordValue(record, agg.field)
      if (agg.type === "value_count") {
        if (raw !== undefined) n++
        return
      }
      const v = numericValue(raw)
      if (v === undefined) return
      n++
      sum += v
      if (v < min) min = v
      if (v > max) max = v
    },
    result: () => ({ value: value() }),
    orderValue: () => value() ?? Number.NaN
  }
}
