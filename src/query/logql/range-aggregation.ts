import type { Grouping, RangeFunction } from "./ast.ts"
import { type Labels, labelsKey } from "./labels.ts"

/**
 * A range aggregation over samples: for each evaluation time t, the samples of each series in
 * the window (t - range, t], reduced by the function. A sample is a line (value 1, or its
 * bytes, or its unwrapped value), or a pre-counted bucket from the store (value = its count).
 */

export interface Sample {
  readonly ts: number
  readonly value: number
}

export interface Series {
  readonly labels: Labels
  /** One value per evaluation time; NaN where the series has no value. */
  readonly values: Float64Array
}

export interface SampleSet {
  readonly series: Map<string, { labels: Labels; samples: Sample[] }>
}

export const newSampleSet = (): SampleSet => ({ series: new Map() })

/** `key`: the labels' labelsKey, when the caller adds many samples of one label set and has it already. */
export const addSample = (set: SampleSet, labels: Labels, sample: Sample, key = labelsKey(labels)) => {
  let entry = set.series.get(key)
  if (!entry) set.series.set(key, (entry = { labels, samples: [] }))
  entry.samples.push(sample)
}

/** Labels kept by `by (…)` / `without (…)`. */
export const groupLabels = (labels: Labels, grouping: Grouping | undefined): Labels => {
  if (!grouping) return labels
  const out: Labels = {}
  if (grouping.without) {
    for (const name in labels) if (!grouping.labels.includes(name)) out[name] = labels[name]!
  } else for (const name of grouping.labels) if (labels[name] !== undefined) out[name] = labels[name]!
  return out
}

/** Prometheus' quantile: linear interpolation between the closest ranks. */
export const quantile = (q: number, sorted: ReadonlyArray<number>): number => {
  if (sorted.length === 0) return Number.NaN
  if (q < 0) return Number.NEGATIVE_INFINITY
  if (q > 1) return Number.POSITIVE_INFINITY
  const rank = q * (sorted.length - 1)
  const lower = Math.floor(rank)
  const upper = Math.min(lower + 1, sorted.length - 1)
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (rank - lower)
}

const variance = (values: ReadonlyArray<number>) => {
  const mean = values.reduce((a, b) => a + b, 0) / values.length
  return values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length
}

const reduce = (fn: RangeFunction, window: ReadonlyArray<Sample>, rangeSeconds: number, param: number | undefined): number => {
  const values = window.map((s) => s.value)
  const sum = () => values.reduce((a, b) => a + b, 0)
  switch (fn) {
    case "count_over_time":
    case "bytes_over_time":
    case "sum_over_time":
      return sum()
    case "rate":
    case "bytes_rate":
      return sum() / rangeSeconds
    case "avg_over_time":
      return sum() / values.length
    case "min_over_time":
      return Math.min(...values)
    case "max_over_time":
      return Math.max(...values)
    case "first_over_time":
      return values[0]!
    case "last_over_time":
      return values.at(-1)!
    case "stddev_over_time":
      return Math.sqrt(variance(values))
    case "stdvar_over_time":
      return variance(values)
    case "quantile_over_time":
      return quantile(
        param ?? 0.5,
        [...values].sort((a, b) => a - b)
      )
    case "absent_over_time":
      return Number.NaN
  }
}

/** Evaluates the function at each time of `times` over every series' samples. */
export const aggregateRange = (
  set: SampleSet,
  times: ReadonlyArray<number>,
  fn: RangeFunction,
  rangeMs: number,
  offsetMs: number,
  param: number | undefined
): Series[] => {
  const out: Series[] = []
  for (const { labels, samples } of set.series.values()) {
    samples.sort((a, b) => a.ts - b.ts)
    const values = new Float64Array(times.length).fill(Number.NaN)
    let lo = 0
    let hi = 0
    let any = false
    times.forEach((t, i) => {
      const end = t - offsetMs
      while (hi < samples.length && samples[hi]!.ts <= end) hi++
      while (lo < hi && samples[lo]!.ts <= end - rangeMs) lo++
      if (hi > lo) {
        values[i] = reduce(fn, samples.slice(lo, hi), rangeMs / 1000, param)
        any = true
      }
    })
    if (any && fn !== "absent_over_time") out.push({ labels, values })
  }
  if (fn === "absent_over_time") {
    const values = new Float64Array(times.length).fill(1)
    for (const series of aggregateRange(set, times, "count_over_time", rangeMs, offsetMs, param))
      series.values.forEach((v, i) => !Number.isNaN(v) && (values[i] = Number.NaN))
    return [{ labels: {}, values }]
  }
  return out
}
