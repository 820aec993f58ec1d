import { DEFAULT_FIELD_MAP, type FieldMap, mapDocument } from "./field-mapping.ts"
import type { Attributes, LogRecord } from "./log-record.ts"
import { nestsDeeperThan } from "./json-depth.ts"
import { ulid, ulidTime } from "./ulid.ts"

/**
 * Turns one decoded JSON value into a LogRecord, or explains (naming the field) why it cannot.
 * Its fields are found by the shared field mapping (`field-mapping.ts`); `id`, `correlation_id`
 * and `attributes` (merged in without a prefix) keep their meaning; every other key becomes a
 * flattened attribute. Hand-written rather than a zod schema: it runs once per ingested line on
 * the hot path, and it has to move unknown fields into attributes, which a schema would reject
 * or strip.
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

/** Keys of LogFlow's own record shape that no mapping takes: they keep their meaning in every document. */
const RESERVED: Readonly<Record<string, true>> = Object.assign(Object.create(null), { id: true, correlation_id: true, attributes: true, received_at: true })

const fail = (error: string): Normalised => ({ ok: false, error })
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v)

/** JSON text of a value from a parsed body, or an error when it nests too deep to keep. */
const jsonText = (value: unknown, what: string): string | { error: string } =>
  nestsDeeperThan(value, LIMITS.jsonDepth) ? { error: `${what} is nested deeper than ${LIMITS.jsonDepth} levels` } : JSON.stringify(value)

/** A short, safe description of a value for an error message. */
const preview = (value: unknown) =>
  value !== null && typeof value === "object" ? (Array.isArray(value) ? "an array" : "an object") : JSON.stringify(value)?.slice(0, 40)

/** Flattens nested objects into dotted keys (leaving out the `skip` ones); arrays become JSON text; nulls are dropped. */
const flattenInto = (target: Attributes, prefix: string, value: unknown, depth: number, skip?: ReadonlyArray<string>): string | undefined => {
  if (value === null || value === undefined || skip?.includes(prefix)) return undefined
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
      const error = flattenInto(target, prefix === "" ? key : `${prefix}.${key}`, value[key], depth + 1, skip)
      if (error) return error
    }
    return undefined
  } else return `attribute '${prefix}' has an unsupported type`
  if (prefix.length > LIMITS.attributeKeyLength) return `attribute key '${prefix.slice(0, 40)}…' is longer than ${LIMITS.attributeKeyLength} characters`
  return undefined
}

const OPTIONAL_TEXT = ["host", "trace_id", "span_id", "correlation_id"] as const

const idText = (field: string, value: string | undefined | Error): string | undefined | Error => {
  if (value === undefined || value instanceof Error) return value
  if (value.length > LIMITS.idFieldLength) return new Error(`'${field}' is longer than ${LIMITS.idFieldLength} characters`)
  return value
}

const correlationId = (value: unknown): string | undefined | Error => {
  if (value === undefined || value === null || value === "") return undefined
  if (typeof value === "number") return String(value)
  return typeof value === "string" ? value : new Error("'correlation_id' must be a string")
}

/**
 * `fields` is the shared field mapping (the configured LOG_FIELD_* lists for shipped documents);
 * `maxAttributes` the configured ATTRIBUTES_PER_RECORD.
 */
export const normalise = (
  input: unknown,
  receivedAt: number,
  fields: FieldMap = DEFAULT_FIELD_MAP,
  maxAttributes: number = LIMITS.attributeCount
): Normalised => {
  if (!isPlainObject(input)) return fail("a log record must be a JSON object")
  const mapped = mapDocument(input, fields)

  // The mapping takes no blank text for a service.
  const service = mapped.service
  if (service === undefined) return fail("'service' is required and must be a non-empty string")
  if (service.length > LIMITS.serviceLength) return fail(`'service' is longer than ${LIMITS.serviceLength} characters`)

  const messageKey = mapped.messageKey
  if (messageKey === undefined) return fail("'message' is required")
  const message = typeof mapped.message === "string" ? mapped.message : jsonText(mapped.message, `'${messageKey}'`)
  if (typeof message !== "string") return fail(message.error)
  if (message.length > LIMITS.messageLength) return fail(`'${messageKey}' is longer than ${LIMITS.messageLength} characters`)

  const unknownLevel = mapped.unknownLevel
  if (unknownLevel)
    return fail(
      `'${unknownLevel.key}' must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL (a common synonym, or a pino or syslog number), got ${preview(unknownLevel.value)}`
    )
  if (mapped.badTimestamp) return fail(`'${mapped.badTimestamp.key}' must be an ISO-8601 date or an epoch number`)

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
  const taken = mapped.taken
  const nested = mapped.takenNested ? taken : undefined
  for (const key in input) {
    if (RESERVED[key] === true || taken.includes(key)) continue
    const error = flattenInto(attributes, key, input[key], 1, nested)
    if (error) return fail(error)
  }
  if (mapped.procId !== undefined) attributes["syslog.procid"] = mapped.procId
  const attributeCount = Object.keys(attributes).length
  if (attributeCount > maxAttributes)
    return fail(`a record may carry at most ${maxAttributes} attributes (ATTRIBUTES_PER_RECORD); this one has ${attributeCount}`)

  // Filled in place instead of spreading a scratch object (a copy per record); attributes go
  // last so the keys keep the order records have always had.
  const record: { -readonly [K in keyof LogRecord]?: LogRecord[K] } = {
    id,
    timestamp: mapped.timestamp ?? receivedAt,
    received_at: receivedAt,
    service,
    level: mapped.level ?? "INFO",
    message
  }
  for (let i = 0; i < OPTIONAL_TEXT.length; i++) {
    const field = OPTIONAL_TEXT[i]!
    const value = idText(field, field === "correlation_id" ? correlationId(input.correlation_id) : mapped[field])
    if (value instanceof Error) return fail(value.message)
    if (value !== undefined) record[field] = value
  }
  record.attributes = attributes
  return { ok: true, record: record as LogRecord }
}
