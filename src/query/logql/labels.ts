import type { Level, LogRecord } from "../../domain/log-record.ts"

/**
 * How LogFlow's records look as Loki streams. Stream labels: `service_name` (the record's
 * service), `level` (its level in lower case) and `host`. The record's trace, span and
 * correlation ids and its attributes are what Loki calls structured metadata: labels of the
 * line, usable in selectors and label filters, and shown with the line. `service` is a synonym
 * of `service_name`, `detected_level` of `level`, in selectors and label filters.
 */

export type Labels = Record<string, string>

/** The record field a selector's label name reads: a record field, or `attributes.<name>`. */
export const fieldOfLabel = (name: string): string => {
  if (name === "service_name" || name === "service") return "service"
  if (name === "level" || name === "detected_level") return "level"
  if (name === "host" || name === "trace_id" || name === "span_id" || name === "correlation_id") return name
  return `attributes.${name}`
}

/** Labels LogFlow always offers (label browser, `/labels`). */
export const STREAM_LABELS = ["host", "level", "service_name"] as const

export const levelLabel = (level: Level) => level.toLowerCase()

/** Every label of a record, stream labels first; attribute values as text. */
export const recordLabels = (record: LogRecord): Labels => {
  const labels: Labels = { service_name: record.service, level: levelLabel(record.level) }
  if (record.host !== undefined) labels.host = record.host
  if (record.trace_id !== undefined) labels.trace_id = record.trace_id
  if (record.span_id !== undefined) labels.span_id = record.span_id
  if (record.correlation_id !== undefined) labels.correlation_id = record.correlation_id
  for (const key in record.attributes) if (!(key in labels)) labels[key] = String(record.attributes[key])
  return labels
}

/** A label's value for matching: `service` and `detected_level` read their synonyms. */
export const labelValue = (labels: Labels, name: string): string | undefined => {
  if (name === "service") return labels.service_name
  if (name === "detected_level") return labels.detected_level ?? labels.level
  return labels[name]
}

/** The canonical key of a label set (sorted names), for grouping into series. */
export const labelsKey = (labels: Labels): string => {
  const names = Object.keys(labels).sort()
  return JSON.stringify(names.map((n) => [n, labels[n]]))
}

export const sortedLabels = (labels: Labels): Labels => {
  const out: Labels = {}
  for (const name of Object.keys(labels).sort()) out[name] = labels[name]!
  return out
}

/** Prometheus-style text of a label set: `{a="1", b="2"}`. */
export const labelsText = (labels: Labels): string =>
  `{${Object.keys(labels)
    .sort()
    .map((n) => `${n}=${JSON.stringify(labels[n])}`)
    .join(", ")}}`
