import { Data } from "effect"
import { parseLevel } from "../../domain/level.ts"
import type { Level } from "../../domain/log-record.ts"
import { MAX_REPORTED_ERRORS, type DecodedBatch } from "../native/decode.ts"
import { LIMITS, normalise } from "../../domain/normalise.ts"
import type { LogRecord } from "../../domain/log-record.ts"

/**
 * OpenTelemetry logs (`ExportLogsServiceRequest`) → LogRecords: OTLP/JSON decoded here, and the
 * mapping every OTLP encoding shares (`rawRecordOf` and the helpers wire.ts, the protobuf reader,
 * uses). `otlpToRecords` also reads the message as protobufjs' `toObject` gives it (ids as
 * bytes, 64-bit integers as `{low, high}`): that is the reference wire.ts is tested against.
 *
 * Mapping: resource `service.name` → service, `host.name` → host; `severityNumber` (or
 * `severityText` when the number is unspecified) → level; body → message (non-string bodies as
 * JSON); `timeUnixNano` (else `observedTimeUnixNano`) → timestamp; trace/span ids kept; record
 * attributes as they are, resource attributes under `resource.*`, the scope as `scope.name`,
 * `scope.version` and `scope.*`.
 */

export class MalformedOtlp extends Data.TaggedError("MalformedOtlp")<{ readonly message: string }> {}

export const decodeOtlpJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch (e) {
    throw new MalformedOtlp({ message: `is not valid JSON: ${(e as Error).message}` })
  }
}

/** `ExportLogsServiceResponse`: empty when everything was accepted, else `partialSuccess`. */
export interface OtlpResponse {
  readonly partialSuccess?: { readonly rejectedLogRecords: number; readonly errorMessage: string }
}

/** The partial-success message lists the first few reasons; the count covers all of them. */
const REASONS_IN_MESSAGE = 5

/** The answer to a batch (OTLP/HTTP and OTLP/gRPC alike): `partialSuccess` counts the records refused. */
export const otlpResponseOf = (batch: OtlpBatch): OtlpResponse =>
  batch.rejected === 0
    ? {}
    : {
        partialSuccess: {
          rejectedLogRecords: batch.rejected,
          errorMessage: batch.errors
            .slice(0, REASONS_IN_MESSAGE)
            .map((e) => `${e.path}: ${e.message}`)
            .join("; ")
        }
      }

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array)
const list = (v: unknown): ReadonlyArray<unknown> => (Array.isArray(v) ? v : [])

/** Two hex digits per byte value: ids are 8 and 16 bytes, cheaper to spell than to wrap in a Buffer. */
export const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"))

const toHex = (v: unknown): string | undefined => {
  if (v instanceof Uint8Array) {
    if (v.byteLength === 0) return undefined
    let hex = ""
    for (let i = 0; i < v.byteLength; i++) hex += HEX[v[i]!]
    return hex
  }
  if (typeof v === "string" && v !== "") return v.toLowerCase()
  return undefined
}

/** How deep AnyValues nest (arrays, kvlists) before the rest is cut. */
export const ANY_VALUE_DEPTH = 16
/** What stands for a value nested deeper than ANY_VALUE_DEPTH: cut, and visibly so. */
export const TOO_DEEP = `[nested deeper than ${ANY_VALUE_DEPTH} levels]`

/** An OTLP AnyValue as a plain JSON value (ints that fit are numbers, larger ones stay text). */
const anyValue = (v: unknown, depth = 0): unknown => {
  if (!isObj(v)) return undefined
  if (depth > ANY_VALUE_DEPTH) return TOO_DEEP
  if (v.stringValue !== undefined) return String(v.stringValue)
  if (v.boolValue !== undefined) return Boolean(v.boolValue)
  if (v.intValue !== undefined) {
    const n = isInt64(v.intValue) ? v.intValue.toNumber() : Number(v.intValue)
    return Number.isSafeInteger(n) ? n : String(v.intValue)
  }
  if (v.doubleValue !== undefined) return Number(v.doubleValue)
  if (v.bytesValue !== undefined) return v.bytesValue instanceof Uint8Array ? Buffer.from(v.bytesValue).toString("base64") : String(v.bytesValue)
  if (isObj(v.arrayValue)) return list(v.arrayValue.values).map((item) => anyValue(item, depth + 1))
  if (isObj(v.kvlistValue)) return keyValues(v.kvlistValue.values, depth + 1)
  return undefined
}

/** OTLP KeyValues into `out` (a new object unless given). */
const keyValues = (v: unknown, depth = 0, out: Obj = {}): Obj => {
  for (const kv of list(v)) {
    if (isObj(kv) && typeof kv.key === "string" && kv.key !== "") out[kv.key] = anyValue(kv.value, depth)
  }
  return out
}

export const prefixed = (prefix: string, attributes: Obj): Obj => {
  const out: Obj = {}
  for (const key in attributes) out[`${prefix}${key}`] = attributes[key]
  return out
}

/** OTLP severity numbers 1–24 come in six bands of four: TRACE, DEBUG, INFO, WARN, ERROR, FATAL. */
const SEVERITY_BANDS: ReadonlyArray<Level> = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"]
export const levelOf = (severityNumber: unknown, severityText: unknown): Level | undefined => {
  const n = Number(severityNumber ?? 0)
  if (Number.isInteger(n) && n >= 1 && n <= 24) return SEVERITY_BANDS[Math.floor((n - 1) / 4)]
  return typeof severityText === "string" ? parseLevel(severityText) : undefined
}

/** A 64-bit integer from protobuf (long.js), as protobufjs gives it. */
interface Int64 {
  readonly low: number
  readonly high: number
  toNumber(): number
  toString(): string
}
const isInt64 = (v: unknown): v is Int64 => typeof v === "object" && v !== null && typeof (v as Int64).low === "number" && typeof (v as Int64).high === "number"

/** floor(n / 1e6) of an unsigned 64-bit n, exactly: 2^32 = 4294 * 10^6 + 967296, and every product stays below 2^53. */
export const int64NanosToMillis = (low: number, high: number): number => {
  const h = high >>> 0
  return h * 4294 + Math.floor((h * 967_296 + (low >>> 0)) / 1_000_000)
}

/** Nanoseconds since the epoch (a 64-bit value, decimal text or a number) → milliseconds; 0 or absent → undefined. */
const nanosToMillis = (v: unknown): number | undefined => {
  if (v === undefined || v === null || v === "" || v === "0" || v === 0) return undefined
  if (isInt64(v)) {
    const ms = int64NanosToMillis(v.low, v.high)
    return ms > 0 ? ms : undefined
  }
  // Decimal text of up to 19 digits: dropping the last six digits divides by 10^6 exactly.
  if (typeof v === "string" && /^\d{7,19}$/.test(v)) return Number(v.slice(0, -6)) || undefined
  try {
    const ms = Number(BigInt(typeof v === "number" ? Math.trunc(v) : String(v)) / 1_000_000n)
    return ms > 0 ? ms : undefined
  } catch {
    return undefined
  }
}

export interface OtlpBatch extends DecodedBatch {
  /** Per rejected record: `resourceLogs[i].scopeLogs[j].logRecords[k]: reason`. */
  readonly errors: ReadonlyArray<{ readonly line: number; readonly message: string; readonly path: string }>
}

/** The attributes every record of a scope starts with: its resource's as `resource.*`, then the scope's. */
export const baseAttributesOf = (resourceAttributes: Obj, name: unknown, version: unknown, scopeAttributes: Obj): Obj => {
  const base: Obj = Object.assign({}, resourceAttributes)
  if (typeof name === "string" && name !== "") base["scope.name"] = name
  if (typeof version === "string" && version !== "") base["scope.version"] = version
  for (const key in scopeAttributes) base[`scope.${key}`] = scopeAttributes[key]
  return base
}

/** The service a resource's attributes name, `unknown_service` when none. */
export const serviceOf = (resource: Obj): string =>
  typeof resource["service.name"] === "string" && resource["service.name"] !== "" ? resource["service.name"] : "unknown_service"
export const hostOf = (resource: Obj): string | undefined => (typeof resource["host.name"] === "string" ? resource["host.name"] : undefined)

/**
 * One LogRecord as the document `normalise` reads (the same for OTLP/JSON and protobuf). Its
 * `attributes` hold the base ones, `severity_text` and `event.name`; the caller adds the
 * record's own attributes last, so they win over those.
 */
export const rawRecordOf = (
  service: string,
  host: string | undefined,
  base: Obj,
  body: unknown,
  level: Level | undefined,
  severityText: unknown,
  eventName: unknown,
  timestamp: number | undefined,
  traceId: string | undefined,
  spanId: string | undefined
): Obj & { attributes: Obj } => {
  // Built by assignment, not spreads: this runs once per record.
  const attributes: Obj = Object.assign({}, base)
  if (typeof severityText === "string" && severityText !== "") attributes.severity_text = severityText
  if (typeof eventName === "string" && eventName !== "") attributes["event.name"] = eventName
  const raw: Obj & { attributes: Obj } = { service, message: body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body), attributes }
  if (level) raw.level = level
  if (timestamp !== undefined) raw.timestamp = timestamp
  if (host !== undefined) raw.host = host
  if (traceId !== undefined) raw.trace_id = traceId
  if (spanId !== undefined) raw.span_id = spanId
  return raw
}

/** Maps a decoded `ExportLogsServiceRequest` to records; a record that cannot be mapped is rejected alone. */
export const otlpToRecords = (request: unknown, receivedAt: number, maxAttributes: number = LIMITS.attributeCount): OtlpBatch => {
  if (!isObj(request)) throw new MalformedOtlp({ message: "must be an ExportLogsServiceRequest object" })
  const records: LogRecord[] = []
  const errors: Array<{ line: number; message: string; path: string }> = []
  let rejected = 0
  let line = 0
  list(request.resourceLogs).forEach((resourceLogs, i) => {
    if (!isObj(resourceLogs)) return
    const resource = keyValues(isObj(resourceLogs.resource) ? resourceLogs.resource.attributes : undefined)
    const service = serviceOf(resource)
    const host = hostOf(resource)
    const resourceAttributes = prefixed("resource.", resource)
    list(resourceLogs.scopeLogs).forEach((scopeLogs, j) => {
      if (!isObj(scopeLogs)) return
      const scope = isObj(scopeLogs.scope) ? scopeLogs.scope : {}
      const base = baseAttributesOf(resourceAttributes, scope.name, scope.version, keyValues(scope.attributes))
      list(scopeLogs.logRecords).forEach((logRecord, k) => {
        line++
        const reject = (message: string) => {
          rejected++
          if (errors.length < MAX_REPORTED_ERRORS) errors.push({ line, message, path: `resourceLogs[${i}].scopeLogs[${j}].logRecords[${k}]` })
        }
        if (!isObj(logRecord)) return reject("must be a LogRecord object")
        const raw = rawRecordOf(
          service,
          host,
          base,
          anyValue(logRecord.body),
          levelOf(logRecord.severityNumber, logRecord.severityText),
          logRecord.severityText,
          logRecord.eventName,
          nanosToMillis(logRecord.timeUnixNano) ?? nanosToMillis(logRecord.observedTimeUnixNano),
          toHex(logRecord.traceId),
          toHex(logRecord.spanId)
        )
        keyValues(logRecord.attributes, 0, raw.attributes)
        const result = normalise(raw, receivedAt, undefined, maxAttributes)
        if (result.ok) records.push(result.record)
        else reject(result.error)
      })
    })
  })
  return { records, rejected, errors }
}
