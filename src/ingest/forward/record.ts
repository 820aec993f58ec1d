import { type FieldMap, mapDocument, remainingFields } from "../../domain/field-mapping.ts"
import { nestsDeeperThan } from "../../domain/json-depth.ts"
import type { LogRecord } from "../../domain/log-record.ts"
import { LIMITS, normalise } from "../../domain/normalise.ts"
import type { ForwardEntry } from "./decode.ts"

/**
 * A forward event as a record. Its record's keys are mapped as `_bulk` documents are (the
 * shared `LOG_FIELD_*` mapping: `log` or `message` the message, `level`, `kubernetes.*`,
 * `host`, `trace_id`, …); what the record does not say comes from the event: the service from
 * the tag (by `serviceOfTag`), the time from the entry's EventTime. The tag is kept as
 * `fluent.tag`; everything not mapped is kept as (flattened) attributes.
 */

/** The tag → service rule of FLUENT_FORWARD_SERVICE_FROM_TAG: the capture group, else the whole match, else the tag. */
export const makeServiceOfTag = (pattern: string) => {
  const rule = new RegExp(pattern)
  const cache = new Map<string, string>()
  return (tag: string): string => {
    const known = cache.get(tag)
    if (known !== undefined) return known
    const match = rule.exec(tag)
    const service = (match?.[1] ?? match?.[0] ?? "") || tag
    // Tags are few (one per source); the cache is bounded anyway, against a sender inventing them.
    if (cache.size > 10_000) cache.clear()
    cache.set(tag, service)
    return service
  }
}

/** msgpack gives what JSON cannot carry: bytes (read as UTF-8 text), big integers (kept as exact text). */
const jsonSafe = (value: unknown, depth = 0): unknown => {
  if (typeof value === "bigint") return value.toString()
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("utf8")
  if (value === null || typeof value !== "object" || depth > LIMITS.jsonDepth) return value
  if (Array.isArray(value)) return value.map((item) => jsonSafe(item, depth + 1))
  if (value instanceof Date) return value.toISOString()
  const out: Record<string, unknown> = {}
  for (const key in value) out[key] = jsonSafe((value as Record<string, unknown>)[key], depth + 1)
  return out
}

export const entryToRecord = (
  entry: ForwardEntry,
  tag: string,
  service: string,
  fields: FieldMap,
  receivedAt: number
): { readonly record: LogRecord } | { readonly error: string } => {
  if (nestsDeeperThan(entry.record, LIMITS.jsonDepth)) return { error: `the record is nested deeper than ${LIMITS.jsonDepth} levels` }
  const source = jsonSafe(entry.record) as Record<string, unknown>
  const mapped = mapDocument(source, fields)
  if (mapped.badTimestamp) {
    const { key, value } = mapped.badTimestamp
    return { error: `${key}: ${JSON.stringify(value).slice(0, 60)} is not an ISO-8601 date or epoch number` }
  }
  const attributes: Record<string, unknown> = { "fluent.tag": tag }
  if (mapped.procId !== undefined) attributes["syslog.procid"] = mapped.procId
  Object.assign(attributes, remainingFields(source, mapped.taken))
  const message = mapped.message
  const timestamp = mapped.timestamp ?? entry.time
  const result = normalise(
    {
      service: mapped.service ?? service,
      message: message === undefined ? JSON.stringify(source) : typeof message === "string" ? message : JSON.stringify(message),
      ...(mapped.level ? { level: mapped.level } : {}),
      ...(timestamp !== undefined ? { timestamp } : {}),
      ...(mapped.host !== undefined ? { host: mapped.host } : {}),
      ...(mapped.trace_id !== undefined ? { trace_id: mapped.trace_id } : {}),
      ...(mapped.span_id !== undefined ? { span_id: mapped.span_id } : {}),
      attributes
    },
    receivedAt
  )
  return result.ok ? { record: result.record } : { error: result.error }
}
