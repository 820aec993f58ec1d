import type { LogRecord } from "../../domain/log-record.ts"
import { recordValue, resolveField } from "./fields.ts"

/**
 * A record as an Elasticsearch hit: `_source` holds the record under the names `_mapping`
 * lists (`@timestamp` as ISO-8601, attributes under `attributes`), `fields` the fields the
 * search asked for, `sort` the values to pass back as `search_after`.
 */

export const toSource = (record: LogRecord) => ({
  "@timestamp": new Date(record.timestamp).toISOString(),
  message: record.message,
  service: record.service,
  level: record.level,
  ...(record.host === undefined ? {} : { host: record.host }),
  ...(record.trace_id === undefined ? {} : { trace_id: record.trace_id }),
  ...(record.span_id === undefined ? {} : { span_id: record.span_id }),
  ...(record.correlation_id === undefined ? {} : { correlation_id: record.correlation_id }),
  attributes: record.attributes
})

const hitFields = (record: LogRecord, names: ReadonlyArray<string>) => {
  const fields: Record<string, unknown[]> = {}
  for (const name of names) {
    const field = resolveField(name)
    const value = recordValue(record, field)
    if (value !== undefined) fields[name] = [field.kind === "time" ? new Date(record.timestamp).toISOString() : value]
  }
  return fields
}

export const toHit = (record: LogRecord, index: string, fields: ReadonlyArray<string>, tiebreak: string) => ({
  _index: index,
  _id: record.id,
  _score: null,
  _source: toSource(record),
  ...(fields.length === 0 ? {} : { fields: hitFields(record, fields) }),
  sort: [record.timestamp, tiebreak]
})
