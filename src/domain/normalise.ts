import { parseIsoUtc } from "./iso-time.ts"
import { parseLevel } from "./level.ts"
import type { Attributes, Level, LogRecord } from "./log-record.ts"
import { nestsDeeperThan } from "./json-depth.ts"
import { MAX_TIME } from "./search-request.ts"
import { ulid, ulidTime } from "./ulid.ts"

/**
 * Turns one decoded JSON value into a LogRecord, or explains (naming the field) why it cannot.
 * Hand-written rather than a zod schema: it runs once per ingested line on the hot path, and
 * it has to move unknown fields into attributes, which a schema would reject or strip.
 */

export const LIMITS = {
  serviceLength: 128,
  messageLength: 256 * 1024,
  idFieldLength: 256,
  attributeCount: 256,
  attributeKeyLength: 256,
  attributeDepth: 8,
  /** Arrays (and a non-text message) are kept as JSON text; this bounds their nesting. */
  jsonDepth: 32
} as const

export type Normalised = { readonly ok: true; readonly record: LogRecord } | { readonly ok: false; readonly error: string }

const ALIASES = {
  message: ["message", "msg"],
  timestamp: ["timestamp", "@timestamp", "time", "ts"],
  level: ["level", "severity", "log.level"]
} as const
// Every field of every record is looked up here. A property load on a null-prototype object
// costs a fraction of a string Set.has, and no key (not even __proto__) can hit an inherited one.
const KNOWN: Readonly<Record<string, true>> = Object.assign(
  Object.create(null),
  Object.fromEntries(
    [
      ...ALIASES.message,
      ...ALIASES.timestamp,
      ...ALIASES.level,
      "id",
      "service",
      "host",
      "trace_id",
      "span_id",
      "correlation_id",
      "attributes",
      "received_at"
    ].map((field) => [field, true])
  )
)

const fail = (error: string): Normalised => ({ ok: false, error })
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v)
const firstPresent = (o: Record<string, unknown>, keys: ReadonlyArray<string>): string | undefined => {
  for (const key of keys) if (o[key] !== undefined && o[key] !== null) return key
  return undefined
}

/** Accepts ISO-8601 text or an epoch number in seconds, milliseconds, microseconds or nanoseconds. */
export const parseTimestamp = (value: unknown): number | undefined => {
  if (typeof value === "number" && Number.isFinite(value) && value >= 0) {
    const ms = value >= 1e17 ? value / 1e6 : value >= 1e14 ? value / 1e3 : value >= 1e11 ? value : value * 1000
    return ms > MAX_TIME ? undefined : Math.floor(ms)
  }
  if (typeof value === "string" && value.length <= 64) {
    const ms = parseIsoUtc(value) ?? Date.parse(value)
    return Number.isNaN(ms) ? undefined : ms
  }
  return undefined
}

/** Flattens nested objects into dotted keys; arrays become JSON text; nulls are dropped. */
/** JSON text of a value from a parsed body, or an error when it nests too deep to keep. */
const jsonText = (value: unknown, what: string): string | { error: string } =>
  nestsDeeperThan(value, LIMITS.jsonDepth) ? { error: `${what} is nested deeper than ${LIMITS.jsonDepth} levels` } : JSON.stringify(value)

/** A short, safe description of a value for an error message. */
const preview = (value: unknown) =>
  value !== null && typeof value === "object" ? (Array.isArray(value) ? "an array" : "an object") : JSON.stringify(value)?.slice(0, 40)

const flattenInto = (target: Attributes, prefix: string, value: unknown, depth: number): string | undefined => {
  if (value === null || value === undefined) return undefined
  if (typeof value === "string" || typeof value === "boolean") target[prefix] = value
  else if (typeof value === "number") {
    if (!Number.isFinite(value)) return `attribute '${prefix}' must be a finite number`
    target[prefix] = value
  } else if (Array.isArray(value)) {
    const text = jsonText(value, `attribute '${prefix}'`)
    if (typeof text !== "string") return text.error
    target[prefix] = text
  } else if (isPlainObject(value)) {
    if (depth >= LIMITS.attributeDepth) return `attribute '${prefix}' is nested deeper than ${LIMITS.attributeDepth} levels`
    for (const key in value) {
      const error = flattenInto(target, prefix === "" ? key : `${prefix}.${key}`, value[key], depth + 1)
      if (error) return error
    }
    return undefined
  } else return `attribute '${prefix}' has an unsupported type`
  if (prefix.length > LIMITS.attributeKeyLength) return `attribute key '${prefix.slice(0, 40)}…' is longer than ${LIMITS.attributeKeyLength} characters`
  return undefined
}

const optionalText = (o: Record<string, unknown>, field: string): string | undefined | Error => {
  const value = o[field]
  if (value === undefined || value === null) return undefined
  if (typeof value === "number") return String(value)
  if (typeof value !== "string") return new Error(`'${field}' must be a string`)
  if (value.length > LIMITS.idFieldLength) return new Error(`'${field}' is longer than ${LIMITS.idFieldLength} characters`)
  return value === "" ? undefined : value
}

const OPTIONAL_TEXT = ["host", "trace_id", "span_id", "correlation_id"] as const

export const normalise = (input: unknown, receivedAt: number): Normalised => {
  if (!isPlainObject(input)) return fail("a log record must be a JSON object")

  const service = input.service
  if (typeof service !== "string" || service.trim() === "") return fail("'service' is required and must be a non-empty string")
  if (service.length > LIMITS.serviceLength) return fail(`'service' is longer than ${LIMITS.serviceLength} characters`)

  const messageKey = firstPresent(input, ALIASES.message)
  if (messageKey === undefined) return fail("'message' is required")
  const rawMessage = input[messageKey]
  const message = typeof rawMessage === "string" ? rawMessage : jsonText(rawMessage, `'${messageKey}'`)
  if (typeof message !== "string") return fail(message.error)
  if (message.length > LIMITS.messageLength) return fail(`'${messageKey}' is longer than ${LIMITS.messageLength} characters`)

  let level: Level = "INFO"
  const levelKey = firstPresent(input, ALIASES.level)
  if (levelKey !== undefined) {
    const raw = input[levelKey]
    const parsed = typeof raw === "string" ? parseLevel(raw) : undefined
    if (!parsed) return fail(`'${levelKey}' must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL (or a common synonym), got ${preview(raw)}`)
    level = parsed
  }

  let timestamp = receivedAt
  const timeKey = firstPresent(input, ALIASES.timestamp)
  if (timeKey !== undefined) {
    const parsed = parseTimestamp(input[timeKey])
    if (parsed === undefined) return fail(`'${timeKey}' must be an ISO-8601 date or an epoch number`)
    timestamp = parsed
  }

  let id: string
  if (input.id === undefined || input.id === null) id = ulid(receivedAt)
  else if (typeof input.id === "string" && ulidTime(input.id) !== undefined) id = input.id
  else return fail("'id' must be a ULID (26 Crockford base32 characters) when given")

  const attributes: Attributes = {}
  if (input.attributes !== undefined && input.attributes !== null) {
    if (!isPlainObject(input.attributes)) return fail("'attributes' must be an object")
    const error = flattenInto(attributes, "", input.attributes, 0)
    if (error) return fail(error)
  }
  for (const key in input) {
    if (KNOWN[key] === true) continue
    const error = flattenInto(attributes, key, input[key], 1)
    if (error) return fail(error)
  }
  if (Object.keys(attributes).length > LIMITS.attributeCount) return fail(`a record may carry at most ${LIMITS.attributeCount} attributes`)

  // Filled in place instead of spreading a scratch object (a copy per record); attributes go
  // last so the keys keep the order records have always had.
  const record: { -readonly [K in keyof LogRecord]?: LogRecord[K] } = { id, timestamp, received_at: receivedAt, service, level, message }
  for (const field of OPTIONAL_TEXT) {
    const value = optionalText(input, field)
    if (value instanceof Error) return fail(value.message)
    if (value !== undefined) record[field] = value
  }
  record.attributes = attributes
  return { ok: true, record: record as LogRecord }
}
