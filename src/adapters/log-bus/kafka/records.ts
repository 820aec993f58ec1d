import { LEVELS, type LogRecord } from "../../../domain/log-record.ts"

/**
 * The wire form of a record on the `logs` topic (JSON, key = service) and the check a consumer
 * applies before indexing: a message that is not a record is poison and goes to `logs.dlq`.
 */

export const encodeRecord = (record: LogRecord) => Buffer.from(JSON.stringify(record))

const isAttributeValue = (v: unknown) => typeof v === "string" || typeof v === "number" || typeof v === "boolean"
const LEVEL_SET: ReadonlySet<string> = new Set(LEVELS)
const OPTIONAL = ["host", "trace_id", "span_id", "correlation_id"] as const

/** The record, or why the message is not one. */
export const decodeRecord = (value: Buffer | null): LogRecord | string => {
  if (value === null) return "empty message"
  let parsed: unknown
  try {
    parsed = JSON.parse(value.toString("utf8"))
  } catch {
    return "not JSON"
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return "not a JSON object"
  const r = parsed as Record<string, unknown>
  if (typeof r.id !== "string" || r.id.length === 0) return "id: missing"
  if (!Number.isSafeInteger(r.timestamp)) return "timestamp: not epoch milliseconds"
  if (!Number.isSafeInteger(r.received_at)) return "received_at: not epoch milliseconds"
  if (typeof r.service !== "string" || r.service.length === 0) return "service: missing"
  if (!LEVEL_SET.has(r.level as string)) return `level: not one of ${LEVELS.join(", ")}`
  if (typeof r.message !== "string") return "message: missing"
  for (const key of OPTIONAL) if (r[key] !== undefined && typeof r[key] !== "string") return `${key}: not text`
  if (typeof r.attributes !== "object" || r.attributes === null || Array.isArray(r.attributes)) return "attributes: not an object"
  // A loop rather than Object.values().every(): no array per record on the worker's hot path.
  const attributes = r.attributes as Record<string, unknown>
  for (const key in attributes) if (!isAttributeValue(attributes[key])) return "attributes: values must be text, numbers or booleans"
  return r as unknown as LogRecord
}
