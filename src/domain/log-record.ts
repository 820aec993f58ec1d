/** The one shape every ingest protocol is normalised into and every store keeps. */

export const LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"] as const
export type Level = (typeof LEVELS)[number]

export type AttributeValue = string | number | boolean
export type Attributes = Record<string, AttributeValue>

export interface LogRecord {
  /** Time-sortable unique id (ULID); the document id in every store, so redelivery never duplicates. */
  readonly id: string
  /** Event time, epoch milliseconds. */
  readonly timestamp: number
  /** When LogFlow accepted the record, epoch milliseconds. */
  readonly received_at: number
  readonly service: string
  readonly level: Level
  readonly message: string
  readonly host?: string
  readonly trace_id?: string
  readonly span_id?: string
  readonly correlation_id?: string
  readonly attributes: Attributes
}

/** The JSON form users see: timestamps as ISO-8601 strings. */
export const toJson = (record: LogRecord) => ({
  ...record,
  timestamp: new Date(record.timestamp).toISOString(),
  received_at: new Date(record.received_at).toISOString()
})

/**
 * About how much memory a record holds, for buffers bounded in bytes: its text fields and
 * attributes (two bytes per character, as JavaScript strings) plus a fixed overhead. Cheap
 * enough to compute per record on the hot path; exactness does not matter, a bound does.
 */
export const approximateBytes = (record: LogRecord): number => {
  let chars = record.message.length + record.service.length + (record.host?.length ?? 0)
  for (const key in record.attributes) {
    const value = record.attributes[key]
    chars += key.length + (typeof value === "string" ? value.length : 8)
  }
  return chars * 2 + 256
}
