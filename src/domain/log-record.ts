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
