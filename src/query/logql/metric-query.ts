import { Effect } from "effect"
import type { StoreReadError } from "../../domain/errors.ts"
import type { LogStore } from "../../ports/log-store.ts"
import type { BinaryOp, MetricQuery } from "./ast.ts"
import { checkDeadline, type QueryContext } from "./context.ts"
import { LogqlError, limitExceeded } from "./errors.ts"
import { type Labels, labelsKey, sortedLabels } from "./labels.ts"
import { runLogPipeline } from "./log-query.ts"
import { aggregateRange, addSample, groupLabels, newSampleSet, type Series } from "./range-aggregation.ts"
import { numericValue } from "./stages.ts"
import { countableRange, countBucketMs, storeCounts } from "./store-counts.ts"

/**
 * A metric query evaluated at each time of a grid (one time for an instant query): every node
 * answers either a scalar or a set of series with one value per time (NaN: no value), so
 * aggregations and binary operations work step by step.
 */

export type Value = { readonly kind: "scalar"; readonly value: number } | { readonly kind: "series"; readonly series: ReadonlyArray<Series> }

type RangeQuery = Extract<MetricQuery, { kind: "range" }>
type Eval = Effect.Effect<Value, LogqlError | StoreReadError, LogStore>

/** The unwrapped label as a number; durations read as seconds and byte sizes as bytes whatever the conversion named. */
const unwrapValue = (range: RangeQuery, labels: Labels): number | undefined => {
  const text = labels[range.unwrap!.label]
  return text === undefined ? undefined : numericValue(text)
}

/** Samples from the lines themselves: each line passing the pipeline is one sample of its series. */
const scannedSamples = (range: RangeQuery, times: ReadonlyArray<number>, context: QueryContext) =>
  Effect.gen(function* () {
    const set = newSampleSet()
    const from = times[0]! - range.offsetMs - range.rangeMs + 1
    const to = times.at(-1)! - range.offsetMs
    let error: string | undefined
    yield* runLogPipeline(range.log, { from, to }, context, ({ record, line, labels }) => {
      let value = 1
      if (range.fn === "bytes_over_time" || range.fn === "bytes_rate") value = Buffer.byteLength(line)
      if (range.unwrap) {
        const unwrapped = unwrapValue(range, labels)
        if (unwrapped === undefined) {
          labels.__error__ = "SampleExtractionErr"
          labels.__error_details__ = `'${range.unwrap.label}' is missing or not a number`
        } else value = unwrapped
        delete labels[range.unwrap.label]
      }
      if (labels.__error__ !== undefined) {
        error = labels.__error__
        return false
      }
      addSample(set, groupLabels(labels, range.grouping), { ts: record.timestamp, value })
      if (set.series.size > context.limits.maxSeries) return false
      return true
    })
    if (error !== undefined)
      return yield* Effect.fail(
        new LogqlError({ message: `pipeline error: '${error}' on a line of this query; drop such lines with | __error__="" or | drop __error__` })
      )
    if (set.series.size > context.limits.maxSeries) return yield* Effect.fail(tooManySeries(context))
    return set
  })

const tooManySeries = (context: QueryContext) =>
  limitExceeded(`the query would produce more than ${context.limits.maxSeries} series; aggregate with sum by (…)`, "LOGQL_MAX_SERIES")

const rangeAggregation = (range: RangeQuery, times: ReadonlyArray<number>, context: QueryContext, countedBy?: ReadonlyArray<string>): Eval =>
  Effect.gen(function* () {
    const stepMs = times.length > 1 ? times[1]! - times[0]! : range.rangeMs
    const bucketMs = countedBy ? countBucketMs(range.rangeMs, stepMs) : undefined
    const from = times[0]! - range.offsetMs - range.rangeMs + 1
    const to = times.at(-1)! - range.offsetMs
    const counted = countedBy && bucketMs !== undefined ? yield* storeCounts(range, countedBy, { from, to, bucketMs }, context) : undefined
    const set = counted ?? (yield* scannedSamples(range, times, context))
    const fn = counted && range.fn === "count_over_time" ? "sum_over_time" : counted && range.fn === "rate" ? "rate" : range.fn
    return { kind: "series", series: aggregateRange(set, times, fn, range.rangeMs, range.offsetMs, range.param) }
  })

const aggregateVectors = (query: Extract<MetricQuery, { kind: "vector_agg" }>, input: ReadonlyArray<Series>, steps: number): Series[] => {
  const groups = new Map<string, { labels: Labels; members: Series[] }>()
  for (const series of input) {
    const labels = sortedLabels(groupLabels(series.labels, query.grouping ?? { without: false, labels: [] }))
    const key = labelsKey(labels)
    let group = groups.get(key)
    if (!group) groups.set(key, (group = { labels, members: [] }))
    group.members.push(series)
  }
  const out: Series[] = []
  for (const { labels, members } of groups.values()) {
    if (query.fn === "topk" || query.fn === "bottomk") {
      const picked = members.map((m) => ({ labels: m.labels, values: new Float64Array(steps).fill(Number.NaN) }))
      for (let i = 0; i < steps; i++) {
        const ranked = members.map((m, j) => ({ j, v: m.values[i]! })).filter((r) => !Number.isNaN(r.v))
        ranked.sort((a, b) => (query.fn === "topk" ? b.v - a.v : a.v - b.v))
        for (const r of ranked.slice(0, query.param ?? 1)) picked[r.j]!.values[i] = r.v
      }
      out.push(...picked.filter((p) => p.values.some((v) => !Number.isNaN(v))))
      continue
    }
    const values = new Float64Array(steps).fill(Number.NaN)
    for (let i = 0; i < steps; i++) {
      const present = members.map((m) => m.values[i]!).filter((v) => !Number.isNaN(v))
      if (present.length > 0) values[i] = reduceVector(query.fn, present)
    }
    if (values.some((v) => !Number.isNaN(v))) out.push({ labels, values })
  }
  return out
}

const reduceVector = (fn: string, values: ReadonlyArray<number>) => {
  const sum = values.reduce((a, b) => a + b, 0)
  const mean = sum / values.length
  switch (fn) {
    case "sum":
      return sum
    case "avg":
      return mean
    case "min":
      return Math.min(...values)
    case "max":
      return Math.max(...values)
    case "count":
      return values.length
    case "stdvar":
      return values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length
    default:
      return Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length)
  }
}

const arithmetic = (op: BinaryOp, a: number, b: number, bool: boolean): number => {
  switch (op) {
    case "+":
      return a + b
    case "-":
      return a - b
    case "*":
      return a * b
    case "/":
      return a / b
    case "%":
      return a % b
    case "^":
      return a ** b
    default: {
      const holds = op === "==" ? a === b : op === "!=" ? a !== b : op === ">" ? a > b : op === ">=" ? a >= b : op === "<" ? a < b : a <= b
      // A comparison filters (keeps the left value) unless `bool` asks for 1 or 0.
      return bool ? (holds ? 1 : 0) : holds ? a : Number.NaN
    }
  }
}

const binary = (query: Extract<MetricQuery, { kind: "binary" }>, left: Value, right: Value): Value => {
  const { op, bool } = query
  if (left.kind === "scalar" && right.kind === "scalar") return { kind: "scalar", value: arithmetic(op, left.value, right.value, true) }
  if (op === "and" || op === "or" || op === "unless") {
    if (left.kind === "scalar" || right.kind === "scalar") throw new LogqlError({ message: `'${op}' needs series on both sides, not a number` })
    return { kind: "series", series: setOperation(op, left.series, right.series) }
  }
  const combine = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : arithmetic(op, a, b, bool))
  if (left.kind === "scalar" || right.kind === "scalar") {
    const series = (left.kind === "series" ? left : right) as Extract<Value, { kind: "series" }>
    const scalar = (left.kind === "scalar" ? left : right) as Extract<Value, { kind: "scalar" }>
    return {
      kind: "series",
      series: series.series.map((s) => ({
        labels: s.labels,
        values: s.values.map((v) => (left.kind === "scalar" ? combine(scalar.value, v) : combine(v, scalar.value)))
      }))
    }
  }
  const rightByKey = new Map(right.series.map((s) => [labelsKey(s.labels), s]))
  const out: Series[] = []
  for (const l of left.series) {
    const r = rightByKey.get(labelsKey(l.labels))
    if (r) out.push({ labels: l.labels, values: l.values.map((v, i) => combine(v, r.values[i]!)) })
  }
  return { kind: "series", series: out }
}

const setOperation = (op: "and" | "or" | "unless", left: ReadonlyArray<Series>, right: ReadonlyArray<Series>): Series[] => {
  const rightByKey = new Map(right.map((s) => [labelsKey(s.labels), s]))
  const has = (s: Series | undefined, i: number) => s !== undefined && !Number.isNaN(s.values[i]!)
  const kept = left.map((l) => {
    const r = rightByKey.get(labelsKey(l.labels))
    return {
      labels: l.labels,
      values: l.values.map((v, i) => (op === "and" ? (has(r, i) ? v : Number.NaN) : op === "unless" ? (has(r, i) ? Number.NaN : v) : v))
    }
  })
  if (op !== "or") return kept
  const leftKeys = new Set(left.map((l) => labelsKey(l.labels)))
  return [...kept, ...right.filter((r) => !leftKeys.has(labelsKey(r.labels)))]
}

export const evaluateMetric = (query: MetricQuery, times: ReadonlyArray<number>, context: QueryContext): Eval =>
  Effect.gen(function* () {
    yield* checkDeadline(context)
    switch (query.kind) {
      case "number":
        return { kind: "scalar", value: query.value }
      case "vector":
        return { kind: "series", series: [{ labels: {}, values: new Float64Array(times.length).fill(query.value) }] }
      case "range":
        return yield* rangeAggregation(query, times, context)
      case "vector_agg": {
        const countable = countableRange(query)
        const inner = countable
          ? yield* rangeAggregation(countable, times, context, query.grouping?.labels ?? [])
          : yield* evaluateMetric(query.inner, times, context)
        if (inner.kind === "scalar") return yield* Effect.fail(new LogqlError({ message: `${query.fn}() needs series, not a number` }))
        return { kind: "series", series: aggregateVectors(query, inner.series, times.length) }
      }
      case "binary": {
        const left = yield* evaluateMetric(query.left, times, context)
        const right = yield* evaluateMetric(query.right, times, context)
        return yield* Effect.try({ try: () => binary(query, left, right), catch: (e) => e as LogqlError })
      }
    }
  })
