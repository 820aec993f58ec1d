import { fieldValueOf } from "../../domain/field-query.ts"
import type { AttributeValue, LogRecord } from "../../domain/log-record.ts"
import { RECORD_FIELDS } from "../../domain/text-query.ts"

/**
 * How the names an Elasticsearch client uses map onto a LogFlow record: `@timestamp` (or
 * `timestamp`) is the event time, `message` the full-text field, `service`, `level`, `host`,
 * `trace_id`, `span_id` and `correlation_id` the record's own fields, and any other name an
 * attribute, with or without the `attributes.` prefix `_mapping` shows. A `.keyword` suffix, the
 * usual name of a text field's exact sub-field, names the field itself: LogFlow's keyword fields
 * are exact already.
 */

export type EsField = { readonly kind: "time" } | { readonly kind: "message" } | { readonly kind: "field"; readonly name: string }

const TIME_FIELDS = new Set(["@timestamp", "timestamp"])
const MESSAGE_FIELDS = new Set(["message", "_all", "*"])
const KEYWORD_FIELDS = new Set<string>(RECORD_FIELDS.filter((f) => f !== "timestamp"))

export const resolveField = (name: string): EsField => {
  const bare = name.endsWith(".keyword") ? name.slice(0, -".keyword".length) : name
  if (TIME_FIELDS.has(bare)) return { kind: "time" }
  if (MESSAGE_FIELDS.has(bare)) return { kind: "message" }
  if (KEYWORD_FIELDS.has(bare)) return { kind: "field", name: bare }
  const key = bare.startsWith("attributes.") ? bare.slice("attributes.".length) : bare
  return { kind: "field", name: `attributes.${key}` }
}

/** A record's value of a resolved field (the time as epoch ms). */
export const recordValue = (record: LogRecord, field: EsField): AttributeValue | undefined => {
  if (field.kind === "time") return record.timestamp
  if (field.kind === "message") return record.message
  return fieldValueOf(record, field.name)
}

/** A value as a number for metric aggregations: numbers, and numeric text as stores compare it. */
export const numericValue = (value: AttributeValue | undefined): number | undefined => {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined
  if (typeof value === "string" && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(value)) return Number(value)
  return undefined
}
