import type { LogRecord } from "../../../domain/log-record.ts"

/** A stored document as the engine returns it, and the record it holds. */

export type Source = LogRecord & Record<string, unknown>

export const toRecord = (source: Source): LogRecord => {
  const record: { -readonly [K in keyof LogRecord]: LogRecord[K] } = {
    id: source.id,
    timestamp: Number(source.timestamp),
    received_at: Number(source.received_at),
    service: source.service,
    level: source.level,
    message: source.message,
    attributes: source.attributes ?? {}
  }
  for (const key of ["host", "trace_id", "span_id", "correlation_id"] as const) {
    if (typeof source[key] === "string") record[key] = source[key]
  }
  return record
}

/** The fields a search reads back (`_source`): the record, nothing the template adds. */
export const RECORD_FIELDS = ["id", "timestamp", "received_at", "service", "level", "message", "host", "trace_id", "span_id", "correlation_id", "attributes"]
