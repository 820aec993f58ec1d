import type { LogRecord } from "../../domain/log-record.ts"
import { malformed, tooExpensive, unsupported } from "./errors.ts"
import { type EsField, resolveField } from "./fields.ts"
import { type Interval, parseInterval } from "./interval.ts"
import { parseEsTime } from "./time.ts"

/**
 * The aggregations LogFlow computes, as Grafana's Elasticsearch data source nests them: bucket
 * aggregations `date_histogram`, `terms`, `histogram` and `filters` (each holding more aggregations), and metric
 * aggregations `avg`, `sum`, `min`, `max`, `value_count`, `cardinality` and `percentiles` on a
 * field. Parsed and checked here, before anything runs; any other aggregation, a script, or a
 * tree deeper than ES_SEARCH_MAX_AGG_DEPTH is a 400 naming it.
 */

export type MetricType = "avg" | "sum" | "min" | "max" | "value_count" | "cardinality"

export type TermsOrder = { readonly by: "_key" | "_count" | { readonly agg: string; readonly percent?: number }; readonly desc: boolean }

export type Agg =
  | {
      readonly type: "date_histogram"
      readonly name: string
      readonly interval: Interval
      readonly minDocCount: number
      readonly bounds?: { readonly min: number; readonly max: number }
      readonly epochMillisKeys: boolean
      readonly children: ReadonlyArray<Agg>
    }
  | {
      readonly type: "terms"
      readonly name: string
      readonly field: EsField
      readonly size: number
      readonly minDocCount: number
      readonly order: TermsOrder
      readonly missing?: string | number
      readonly children: ReadonlyArray<Agg>
    }
  | {
      readonly type: "histogram"
      readonly name: string
      readonly field: EsField
      readonly interval: number
      readonly minDocCount: number
      readonly bounds?: { readonly min: number; readonly max: number }
      readonly children: ReadonlyArray<Agg>
    }
  | {
      readonly type: "filters"
      readonly name: string
      /** Each filter's key (undefined: the anonymous list form) and whether a record matches it. */
      readonly filters: ReadonlyArray<{ readonly key?: string; readonly matches: RecordTest }>
      readonly children: ReadonlyArray<Agg>
    }
  | { readonly type: MetricType; readonly name: string; readonly field: EsField }
  | { readonly type: "percentiles"; readonly name: string; readonly field: EsField; readonly percents: ReadonlyArray<number>; readonly keyed: boolean }

export type RecordTest = (record: LogRecord) => boolean

export interface AggLimits {
  readonly maxDepth: number
  readonly maxBuckets: number
  readonly now: number
  /** A query of the DSL as a test of one record (for `filters`), compiled as the search's own query. */
  readonly compileFilter: (query: unknown, path: string) => RecordTest
}

type Obj = Record<string, unknown>
const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v)
const METRICS = new Set<string>(["avg", "sum", "min", "max", "value_count", "cardinality"])
const DEFAULT_PERCENTS = [1, 5, 25, 50, 75, 95, 99]
/** Settings Grafana or clients send that change nothing LogFlow computes. */
const IGNORED = new Set(["format", "shard_size", "show_term_doc_count_error", "execution_hint", "precision_threshold", "tdigest", "collect_mode"])

const allowKeys = (spec: Obj, allowed: ReadonlyArray<string>, path: string) => {
  for (const key of Object.keys(spec)) if (!allowed.includes(key) && !IGNORED.has(key)) throw unsupported(`${path}.${key}`, `the [${key}] setting`)
}

const fieldOf = (spec: Obj, path: string): EsField => {
  if (spec.script !== undefined) throw unsupported(`${path}.script`, "a script")
  if (typeof spec.field !== "string") throw malformed(path, "requires a [field]")
  return resolveField(spec.field)
}

const count = (value: unknown, fallback: number, path: string): number => {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) throw malformed(path, `expects a non-negative whole number, got [${String(value)}]`)
  return n
}

const termsOrder = (value: unknown, path: string): TermsOrder => {
  if (value === undefined) return { by: "_count", desc: true }
  const entry = Array.isArray(value) ? value : [value]
  if (entry.length !== 1 || !isObject(entry[0]) || Object.keys(entry[0]).length !== 1) throw unsupported(path, "an order on more than one key")
  const [key, dir] = Object.entries(entry[0])[0]!
  if (dir !== "asc" && dir !== "desc") throw malformed(path, `order must be [asc] or [desc], got [${String(dir)}]`)
  const desc = dir === "desc"
  if (key === "_key" || key === "_term") return { by: "_key", desc }
  if (key === "_count") return { by: "_count", desc }
  const percentile = /^([^[.]+)(?:\[([\d.]+)\]|\.([\d.]+))$/.exec(key)
  if (percentile) return { by: { agg: percentile[1]!, percent: Number(percentile[2] ?? percentile[3]) }, desc }
  return { by: { agg: key }, desc }
}

const dateHistogram = (name: string, spec: Obj, children: ReadonlyArray<Agg>, limits: AggLimits, path: string): Agg => {
  // `missing` (Grafana may send it) names a time for documents without one: every record has one.
  allowKeys(spec, ["field", "fixed_interval", "calendar_interval", "interval", "min_doc_count", "extended_bounds", "time_zone", "format", "missing"], path)
  if (fieldOf(spec, path).kind !== "time")
    throw unsupported(`${path}.field`, `a date histogram on [${String(spec.field)}] (LogFlow's time field is @timestamp)`)
  if (spec.time_zone !== undefined && !["UTC", "utc", "Z", "+00:00", "Etc/UTC"].includes(String(spec.time_zone)))
    throw unsupported(`${path}.time_zone`, "a time zone other than UTC")
  let bounds: { min: number; max: number } | undefined
  if (spec.extended_bounds !== undefined) {
    const b = spec.extended_bounds as Obj
    if (!isObject(b)) throw malformed(`${path}.extended_bounds`, "expects {min, max}")
    bounds = {
      min: parseEsTime(b.min, undefined, limits.now, `${path}.extended_bounds.min`),
      max: parseEsTime(b.max, undefined, limits.now, `${path}.extended_bounds.max`)
    }
  }
  return {
    type: "date_histogram",
    name,
    interval: parseInterval(spec, path),
    minDocCount: count(spec.min_doc_count, 0, `${path}.min_doc_count`),
    ...(bounds ? { bounds } : {}),
    epochMillisKeys: spec.format === "epoch_millis",
    children
  }
}

const terms = (name: string, spec: Obj, children: ReadonlyArray<Agg>, limits: AggLimits, path: string): Agg => {
  allowKeys(spec, ["field", "size", "min_doc_count", "order", "missing"], path)
  const size = count(spec.size, 10, `${path}.size`)
  if (size > limits.maxBuckets)
    throw tooExpensive(`[${path}.size] ${size} is more than the ${limits.maxBuckets} buckets a search may produce`, "ES_SEARCH_MAX_BUCKETS")
  const order = termsOrder(spec.order, `${path}.order`)
  if (typeof order.by === "object" && !children.some((c) => c.name === (order.by as { agg: string }).agg))
    throw malformed(`${path}.order`, `Invalid aggregation order path [${(order.by as { agg: string }).agg}]: no such sub-aggregation`)
  const missing = spec.missing
  if (missing !== undefined && typeof missing !== "string" && typeof missing !== "number") throw malformed(`${path}.missing`, "expects a string or a number")
  return {
    type: "terms",
    name,
    field: fieldOf(spec, path),
    size: size === 0 ? 10 : size,
    minDocCount: count(spec.min_doc_count, 1, `${path}.min_doc_count`),
    order,
    ...(missing === undefined ? {} : { missing }),
    children
  }
}

const histogram = (name: string, spec: Obj, children: ReadonlyArray<Agg>, path: string): Agg => {
  allowKeys(spec, ["field", "interval", "min_doc_count", "extended_bounds"], path)
  const interval = Number(spec.interval)
  if (!Number.isFinite(interval) || interval <= 0) throw malformed(`${path}.interval`, `[interval] must be a positive number, got [${String(spec.interval)}]`)
  let bounds: { min: number; max: number } | undefined
  if (spec.extended_bounds !== undefined) {
    const b = spec.extended_bounds as Obj
    if (!isObject(b) || !Number.isFinite(Number(b.min)) || !Number.isFinite(Number(b.max)))
      throw malformed(`${path}.extended_bounds`, "expects numbers {min, max}")
    bounds = { min: Number(b.min), max: Number(b.max) }
  }
  return {
    type: "histogram",
    name,
    field: fieldOf(spec, path),
    interval,
    minDocCount: count(spec.min_doc_count, 0, `${path}.min_doc_count`),
    ...(bounds ? { bounds } : {}),
    children
  }
}

const filters = (name: string, spec: Obj, children: ReadonlyArray<Agg>, limits: AggLimits, path: string): Agg => {
  allowKeys(spec, ["filters"], path)
  const given = spec.filters
  const entries: Array<[string | undefined, unknown]> = Array.isArray(given) ? given.map((q) => [undefined, q]) : isObject(given) ? Object.entries(given) : []
  if (entries.length === 0 || entries.length > 100) throw malformed(`${path}.filters`, "expects 1 to 100 filters, keyed or in a list")
  return {
    type: "filters",
    name,
    filters: entries.map(([key, query], i) => ({ ...(key === undefined ? {} : { key }), matches: limits.compileFilter(query, `${path}.filters.${key ?? i}`) })),
    children
  }
}

const percentiles = (name: string, spec: Obj, path: string): Agg => {
  allowKeys(spec, ["field", "percents", "keyed"], path)
  const raw = spec.percents ?? DEFAULT_PERCENTS
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > 100) throw malformed(`${path}.percents`, "expects a list of 1 to 100 percents")
  const percents = raw.map((p) => Number(p))
  if (percents.some((p) => !Number.isFinite(p) || p < 0 || p > 100)) throw malformed(`${path}.percents`, "percents must be between 0 and 100")
  return { type: "percentiles", name, field: fieldOf(spec, path), percents, keyed: spec.keyed !== false }
}

const parseOne = (name: string, body: unknown, limits: AggLimits, path: string, depth: number): Agg => {
  if (!isObject(body)) throw malformed(path, "expects an aggregation object")
  const subKey = body.aggs !== undefined ? "aggs" : "aggregations"
  const kinds = Object.keys(body).filter((k) => k !== "aggs" && k !== "aggregations" && k !== "meta")
  if (kinds.length !== 1) throw malformed(path, `expects exactly one aggregation type, found [${kinds.join(", ")}]`)
  const type = kinds[0]!
  const spec = body[type]
  if (!isObject(spec)) throw malformed(`${path}.${type}`, "expects an object")
  const at = `${path}.${type}`
  const children = body[subKey] === undefined ? [] : parseAggs(body[subKey], limits, `${path}.${subKey}`, depth + 1)
  if (type === "date_histogram") return dateHistogram(name, spec, children, limits, at)
  if (type === "terms") return terms(name, spec, children, limits, at)
  if (type === "histogram") return histogram(name, spec, children, at)
  if (type === "filters") return filters(name, spec, children, limits, at)
  if (children.length > 0) throw malformed(path, `the [${type}] aggregation cannot hold sub-aggregations`)
  if (type === "percentiles") return percentiles(name, spec, at)
  if (METRICS.has(type)) {
    allowKeys(spec, ["field"], at)
    return { type: type as MetricType, name, field: fieldOf(spec, at) }
  }
  throw unsupported(at, `the [${type}] aggregation`)
}

export const parseAggs = (body: unknown, limits: AggLimits, path = "aggs", depth = 1): ReadonlyArray<Agg> => {
  if (depth > limits.maxDepth) throw tooExpensive(`[${path}] aggregations nest deeper than ${limits.maxDepth}`, "ES_SEARCH_MAX_AGG_DEPTH")
  if (!isObject(body)) throw malformed(path, "expects an object of named aggregations")
  return Object.entries(body).map(([name, agg]) => parseOne(name, agg, limits, `${path}.${name}`, depth))
}
