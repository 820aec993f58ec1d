import { Effect } from "effect"
import type { MetaStoreUnavailable, StoreReadError } from "../../../domain/errors.ts"
import { LEVELS } from "../../../domain/log-record.ts"
import type { LogStore } from "../../../ports/log-store.ts"
import { PatternStore } from "../../../ports/pattern-store.ts"
import { countIn, merged, seriesByEntry } from "../../../patterns/merged.ts"
import type { LogQuery } from "../../../query/logql/ast.ts"
import { makeContext, type QueryLimits } from "../../../query/logql/context.ts"
import type { LogqlError } from "../../../query/logql/errors.ts"
import { levelLabel } from "../../../query/logql/labels.ts"
import { lokiPattern } from "../../../query/logql/line-pattern.ts"
import { type LogLine, runLogPipeline } from "../../../query/logql/log-query.ts"
import { compileSelector } from "../../../query/logql/selector.ts"
import { logfmtPairs } from "../../../query/logql/stages.ts"
import { labelValues, type MetadataRange } from "./metadata.ts"

/**
 * What Grafana's Logs Drilldown reads besides queries (its datasource.ts and TagKeysProviders /
 * TagValuesProviders, and the Loki data source's fetchDetectedLabelValues), in Loki's JSON
 * (pkg/util/marshal, pkg/logproto):
 * - `detected_labels`: the stream labels (service_name, level, host) with how many values each
 *   has in the range;
 * - `detected_fields` and `detected_field/{name}/values`: over the newest `line_limit` lines of
 *   the query, the structured metadata (trace, span and correlation ids, attributes: `parsers`
 *   null) and what Loki's json or else logfmt parser finds in each line (`parsers` ["json"] or
 *   ["logfmt"]), with the type Loki would give the first value seen;
 * - `patterns`: the patterns LogFlow learned (src/patterns/), written as Loki writes them
 *   (`<_>` for each variable part), with their records per step.
 */

type Run<A> = Effect.Effect<A, LogqlError | StoreReadError, LogStore>

const STREAM_LABELS = ["service_name", "level", "host"] as const

export const detectedLabels = (selector: LogQuery | undefined, range: MetadataRange, limits: QueryLimits): Run<{ detectedLabels?: unknown[] }> =>
  Effect.gen(function* () {
    const found: Array<{ label: string; cardinality: number }> = []
    for (const label of STREAM_LABELS) {
      const values = yield* labelValues(label, selector, range, limits)
      if (values.length > 0) found.push({ label, cardinality: values.length })
    }
    // Loki's struct omits an empty list (omitempty).
    return found.length > 0 ? { detectedLabels: found } : {}
  })

/** Loki's field types, as its determineType reads a value (Go's ParseInt, ParseFloat, ParseBool, ParseDuration, humanize.ParseBytes). */
export const detectedType = (value: string): "int" | "float" | "boolean" | "duration" | "bytes" | "string" => {
  if (/^[+-]?\d+$/.test(value)) return "int"
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value) || /^[+-]?(inf|infinity|nan)$/i.test(value)) return "float"
  if (["1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False"].includes(value)) return "boolean"
  if (/^[+-]?((\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/.test(value)) return "duration"
  if (/^(\d+\.?\d*|\.\d+) ?([kmgtpe]i?b?|b)$/i.test(value)) return "bytes"
  return "string"
}

interface FieldValue {
  readonly name: string
  readonly value: string
  readonly parser?: "json" | "logfmt"
  readonly path?: ReadonlyArray<string>
}

const sanitize = (name: string) => {
  const clean = name.replace(/[^A-Za-z0-9_]/g, "_")
  return /^[0-9]/.test(clean) ? `_${clean}` : clean
}

const jsonFields = (value: unknown, path: string[], out: FieldValue[], depth: number) => {
  if (depth > 32 || value === null || Array.isArray(value)) return
  if (typeof value === "object") {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) jsonFields(v, [...path, k], out, depth + 1)
  } else out.push({ name: path.map(sanitize).join("_"), value: String(value), parser: "json", path })
}

/** A line's fields: its structured metadata, then what json (or, failing that, logfmt) parses out of it. */
const fieldsOf = (line: LogLine): FieldValue[] => {
  const out: FieldValue[] = []
  const { record } = line
  for (const name of ["trace_id", "span_id", "correlation_id"] as const) {
    const value = record[name]
    if (value !== undefined) out.push({ name, value })
  }
  for (const [name, value] of Object.entries(record.attributes)) out.push({ name, value: String(value) })
  let parsed: unknown
  try {
    parsed = line.line.startsWith("{") ? JSON.parse(line.line) : undefined
  } catch {
    parsed = undefined
  }
  if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) jsonFields(parsed, [], out, 0)
  else for (const [name, value] of logfmtPairs(line.line)) if (value !== "") out.push({ name, value, parser: "logfmt" })
  return out
}

/** Calls `visit` with the fields of the newest `lineLimit` lines of a query. */
const sampleFields = (query: LogQuery, range: MetadataRange, limits: QueryLimits, lineLimit: number, visit: (field: FieldValue, line: LogLine) => boolean) => {
  let lines = 0
  return runLogPipeline(
    query,
    range,
    makeContext(limits),
    (line) => {
      for (const field of fieldsOf(line)) if (!visit(field, line)) return false
      return ++lines < lineLimit
    },
    lineLimit
  )
}

export const detectedFields = (query: LogQuery, range: MetadataRange, limits: QueryLimits, lineLimit: number, limit: number) =>
  Effect.gen(function* () {
    const fields = new Map<string, { type: string; values: Set<string>; parsers: Set<string> | null; jsonPath?: ReadonlyArray<string> }>()
    yield* sampleFields(query, range, limits, lineLimit, (field) => {
      let held = fields.get(field.name)
      if (!held) {
        if (fields.size >= limit) return true
        fields.set(field.name, (held = { type: detectedType(field.value), values: new Set(), parsers: field.parser ? new Set() : null }))
      }
      held.values.add(field.value)
      if (field.parser) (held.parsers ??= new Set()).add(field.parser)
      if (field.path) held.jsonPath = field.path
      return true
    })
    if (fields.size === 0) return {}
    return {
      fields: [...fields]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([label, f]) => ({
          label,
          type: f.type,
          cardinality: f.values.size,
          parsers: f.parsers === null ? null : [...f.parsers].sort(),
          ...(f.jsonPath ? { jsonPath: f.jsonPath } : {})
        })),
      limit
    }
  })

export const detectedFieldValues = (name: string, query: LogQuery, range: MetadataRange, limits: QueryLimits, lineLimit: number, limit: number) =>
  Effect.gen(function* () {
    const values = new Set<string>()
    if (name === "detected_level" || name === "level") {
      // The levels of the selector's streams (its pipeline aside), as label/level/values lists them: from the store's counts when they can answer.
      for (const level of yield* labelValues("level", { ...query, stages: [] }, range, limits)) if (values.size < limit) values.add(level)
    } else {
      yield* sampleFields(query, range, limits, lineLimit, (field) => {
        if (field.name === name) values.add(field.value)
        return values.size < limit
      })
    }
    return values.size === 0 ? {} : { values: [...values].sort(), limit }
  })

const MINUTE = 60_000
/** The most frequent patterns listed: as many as Logs Drilldown reads of an answer (its MAX_PATTERNS_LIMIT). */
export const PATTERNS_LIMIT = 500

/** Patterns of the selector's services and levels, `samples` per step (at least a minute: patterns are counted per minute). */
export const lokiPatterns = (
  selector: LogQuery,
  range: MetadataRange,
  stepMs: number,
  knownServices: ReadonlyArray<string>
): Effect.Effect<{ status: string; data: unknown[] }, MetaStoreUnavailable, PatternStore> =>
  Effect.gen(function* () {
    const compiled = compileSelector(selector, knownServices)
    if (compiled.matchesNothing) return { status: "success", data: [] }
    const store = yield* PatternStore
    const minutes = { from: Math.floor(range.from / MINUTE) * MINUTE, to: range.to }
    const services = compiled.request.services
    const levels = compiled.request.levels ?? []
    const rows = services ? (yield* Effect.forEach(services, (service) => store.totals({ service, ...minutes }))).flat() : yield* store.totals(minutes)
    const patterns = merged(rows)
      .map(({ pattern, ids }) => ({ pattern, ids, count: countIn(pattern, levels) }))
      .filter((p) => p.count > 0)
      .sort((a, b) => b.count - a.count || a.pattern.id.localeCompare(b.pattern.id))
      .slice(0, PATTERNS_LIMIT)
    const step = Math.max(MINUTE, Math.ceil(stepMs / MINUTE) * MINUTE)
    const samples = seriesByEntry(
      patterns,
      yield* store.series(
        patterns.flatMap(({ ids }) => ids),
        minutes,
        step
      )
    )
    return {
      status: "success",
      data: patterns.map(({ pattern }) => {
        // LogFlow counts a pattern's minutes over all levels: the entry names the level most of its records have.
        const level = LEVELS.filter((l) => levels.length === 0 || levels.includes(l)).reduce((a, b) => (pattern.levels[b] > pattern.levels[a] ? b : a))
        return {
          pattern: lokiPattern(pattern.template),
          level: levelLabel(level),
          samples: [...(samples.get(pattern.id) ?? [])].sort((a, b) => a[0] - b[0]).map(([t, n]) => [Math.floor(t / 1000), n])
        }
      })
    }
  })
