import { globMatches } from "../../domain/field-query.ts"
import type { LogRecord } from "../../domain/log-record.ts"

/**
 * LogFlow's fields as Elasticsearch describes an index, for clients' field pickers (`_mapping`,
 * `_field_caps`): the record's own fields with fixed types, and the attributes seen in a
 * sample of the newest records, typed by their values (`long` for whole numbers, `double` for
 * others, `boolean`, else `keyword`). The one logical index is named `logflow`; every index
 * name or pattern a client sends reads it.
 */

export const INDEX = "logflow"

export type FieldType = "date" | "text" | "keyword" | "long" | "double" | "boolean"

const RECORD_FIELDS: Readonly<Record<string, FieldType>> = {
  "@timestamp": "date",
  message: "text",
  service: "keyword",
  level: "keyword",
  host: "keyword",
  trace_id: "keyword",
  span_id: "keyword",
  correlation_id: "keyword"
}

const typeOf = (value: unknown): FieldType =>
  typeof value === "boolean" ? "boolean" : typeof value === "number" ? (Number.isInteger(value) ? "long" : "double") : "keyword"

/** Types of the attributes of some records; a key seen with values of two types is the wider one. */
export const attributeTypes = (records: ReadonlyArray<LogRecord>): Map<string, FieldType> => {
  const types = new Map<string, FieldType>()
  for (const record of records) {
    for (const [key, value] of Object.entries(record.attributes)) {
      const seen = types.get(key)
      const type = typeOf(value)
      if (seen === undefined || seen === type) types.set(key, type)
      else types.set(key, (seen === "long" && type === "double") || (seen === "double" && type === "long") ? "double" : "keyword")
    }
  }
  return types
}

const property = (type: FieldType) => (type === "date" ? { type, format: "strict_date_optional_time||epoch_millis" } : { type })

export const mappingBody = (attributes: Map<string, FieldType>) => {
  const properties: Record<string, unknown> = Object.fromEntries(Object.entries(RECORD_FIELDS).map(([name, type]) => [name, property(type)]))
  properties.attributes = { properties: Object.fromEntries([...attributes].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, t]) => [k, property(t)])) }
  return { [INDEX]: { mappings: { properties } } }
}

/** `_field_caps` for the fields matching `patterns` (comma-separated, `*` wildcards). */
export const fieldCapsBody = (attributes: Map<string, FieldType>, patterns: string) => {
  const wanted = patterns
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "")
  const all: Array<[string, FieldType]> = [...Object.entries(RECORD_FIELDS), ...[...attributes].map(([k, t]): [string, FieldType] => [`attributes.${k}`, t])]
  const fields: Record<string, unknown> = {}
  for (const [name, type] of all) {
    if (!wanted.some((p) => globMatches(p, name))) continue
    fields[name] = { [type]: { type, metadata_field: false, searchable: true, aggregatable: type !== "text" } }
  }
  return { indices: [INDEX], fields }
}

/** `_cat/indices`, as JSON rows or as Elasticsearch's text table. */
export const catIndices = (docs: number, json: boolean) => {
  const row = {
    health: "green",
    status: "open",
    index: INDEX,
    uuid: "logflow",
    pri: "1",
    rep: "0",
    "docs.count": String(docs),
    "docs.deleted": "0",
    "store.size": null,
    "pri.store.size": null
  }
  return json ? [row] : `green open ${INDEX} logflow 1 0 ${docs} 0 - -\n`
}

export const resolveIndex = () => ({ indices: [{ name: INDEX, attributes: ["open"] }], aliases: [], data_streams: [] })
