import { Data } from "effect"
import { join } from "node:path"
import protobuf from "protobufjs"
import { parseLevel } from "../../domain/level.ts"
import type { Level } from "../../domain/log-record.ts"
import { MAX_REPORTED_ERRORS, type DecodedBatch } from "../native/decode.ts"
import { LIMITS, normalise } from "../../domain/normalise.ts"
import type { LogRecord } from "../../domain/log-record.ts"

/**
 * OpenTelemetry logs (OTLP/HTTP, `ExportLogsServiceRequest`) → LogRecords. Protobuf bodies are
 * decoded by protobufjs from the official .proto files (opentelemetry-proto, vendored under
 * `proto/`), then read by the same code as OTLP/JSON, whose shape protobufjs' `toObject`
 * reproduces (lowerCamelCase names). The differences left: JSON carries trace/span ids as hex
 * and bytes as base64, protobuf as bytes; 64-bit integers are decimal text in JSON and stay
 * 64-bit values (`{low, high}`) from protobuf, read exactly here (turning each into text costs
 * more than the rest of `toObject`).
 *
 * Mapping: resource `service.name` → service, `host.name` → host; `severityNumber` (or
 * `severityText` when the number is unspecified) → level; body → message (non-string bodies as
 * JSON); `timeUnixNano` (else `observedTimeUnixNano`) → timestamp; trace/span ids kept; record
 * attributes as they are, resource attributes under `resource.*`, the scope as `scope.name`,
 * `scope.version` and `scope.*`.
 */

const PROTO_DIR = join(import.meta.dir, "proto")

const loadTypes = () => {
  const root = new protobuf.Root()
  root.resolvePath = (_origin, target) => join(PROTO_DIR, target)
  root.loadSync("opentelemetry/proto/collector/logs/v1/logs_service.proto")
  // google.rpc.Status, the body of OTLP error responses (its `details` are never sent here).
  const status = new protobuf.Type("Status").add(new protobuf.Field("code", 1, "int32")).add(new protobuf.Field("message", 2, "string"))
  root.define("google.rpc").add(status)
  return {
    request: root.lookupType("opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest"),
    response: root.lookupType("opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse"),
    status: root.lookupType("google.rpc.Status")
  }
}
let types: ReturnType<typeof loadTypes> | undefined
const protoTypes = () => (types ??= loadTypes())

/** The protobuf type of `ExportLogsServiceRequest`, for clients of this module that encode requests (benchmarks, tests). */
export const otlpRequestType = () => protoTypes().request

export class MalformedOtlp extends Data.TaggedError("MalformedOtlp")<{ readonly message: string }> {}

/** The protobuf request as the plain object OTLP/JSON would have given. */
export const decodeOtlpProtobuf = (bytes: Uint8Array): unknown => {
  const { request } = protoTypes()
  let message: ReturnType<typeof request.decode>
  try {
    message = request.decode(bytes)
  } catch (e) {
    throw new MalformedOtlp({ message: `is not an OTLP ExportLogsServiceRequest in protobuf: ${(e as Error).message}` })
  }
  return request.toObject(message, { enums: Number, defaults: false })
}

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

export const encodeOtlpResponseProtobuf = (response: OtlpResponse): Uint8Array => {
  const type = protoTypes().response
  return type.encode(type.fromObject(response)).finish()
}

/** gRPC status codes for the HTTP statuses ingest answers with (OTLP/HTTP error bodies carry them). */
const GRPC_CODES: Record<number, number> = { 400: 3, 401: 16, 403: 7, 413: 3, 415: 3, 429: 8, 503: 14, 507: 8 }

/** An OTLP/HTTP error body for protobuf clients: a `google.rpc.Status`. */
export const encodeOtlpStatusProtobuf = (httpStatus: number, message: string): Uint8Array => {
  const type = protoTypes().status
  return type.encode(type.fromObject({ code: GRPC_CODES[httpStatus] ?? 13, message })).finish()
}

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array)
const list = (v: unknown): ReadonlyArray<unknown> => (Array.isArray(v) ? v : [])

/** Two hex digits per byte value: ids are 8 and 16 bytes, cheaper to spell than to wrap in a Buffer. */
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"))

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

/** An OTLP AnyValue as a plain JSON value (ints that fit are numbers, larger ones stay text). */
const anyValue = (v: unknown, depth = 0): unknown => {
  if (!isObj(v) || depth > 16) return undefined
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

const prefixed = (prefix: string, attributes: Obj): Obj => {
  const out: Obj = {}
  for (const key in attributes) out[`${prefix}${key}`] = attributes[key]
  return out
}

/** OTLP severity numbers 1–24 come in six bands of four: TRACE, DEBUG, INFO, WARN, ERROR, FATAL. */
const SEVERITY_BANDS: ReadonlyArray<Level> = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"]
const levelOf = (severityNumber: unknown, severityText: unknown): Level | undefined => {
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
const int64NanosToMillis = (v: Int64): number => {
  const high = v.high >>> 0
  return high * 4294 + Math.floor((high * 967_296 + (v.low >>> 0)) / 1_000_000)
}

/** Nanoseconds since the epoch (a 64-bit value, decimal text or a number) → milliseconds; 0 or absent → undefined. */
const nanosToMillis = (v: unknown): number | undefined => {
  if (v === undefined || v === null || v === "" || v === "0" || v === 0) return undefined
  if (isInt64(v)) {
    const ms = int64NanosToMillis(v)
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
    const service = typeof resource["service.name"] === "string" && resource["service.name"] !== "" ? resource["service.name"] : "unknown_service"
    const host = typeof resource["host.name"] === "string" ? resource["host.name"] : undefined
    const resourceAttributes = prefixed("resource.", resource)
    list(resourceLogs.scopeLogs).forEach((scopeLogs, j) => {
      if (!isObj(scopeLogs)) return
      const scope = isObj(scopeLogs.scope) ? scopeLogs.scope : {}
      const scopeAttributes: Obj = {
        ...(typeof scope.name === "string" && scope.name !== "" ? { "scope.name": scope.name } : {}),
        ...(typeof scope.version === "string" && scope.version !== "" ? { "scope.version": scope.version } : {}),
        ...prefixed("scope.", keyValues(scope.attributes))
      }
      list(scopeLogs.logRecords).forEach((logRecord, k) => {
        line++
        const reject = (message: string) => {
          rejected++
          if (errors.length < MAX_REPORTED_ERRORS) errors.push({ line, message, path: `resourceLogs[${i}].scopeLogs[${j}].logRecords[${k}]` })
        }
        if (!isObj(logRecord)) return reject("must be a LogRecord object")
        const body = anyValue(logRecord.body)
        const level = levelOf(logRecord.severityNumber, logRecord.severityText)
        const severityText = typeof logRecord.severityText === "string" && logRecord.severityText !== "" ? logRecord.severityText : undefined
        const timestamp = nanosToMillis(logRecord.timeUnixNano) ?? nanosToMillis(logRecord.observedTimeUnixNano)
        // Built by assignment, not spreads: this runs once per record.
        const attributes: Obj = Object.assign({}, resourceAttributes, scopeAttributes)
        if (severityText !== undefined) attributes.severity_text = severityText
        if (typeof logRecord.eventName === "string" && logRecord.eventName !== "") attributes["event.name"] = logRecord.eventName
        keyValues(logRecord.attributes, 0, attributes)
        const raw: Obj = { service, message: body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body), attributes }
        if (level) raw.level = level
        if (timestamp !== undefined) raw.timestamp = timestamp
        if (host !== undefined) raw.host = host
        const traceId = toHex(logRecord.traceId)
        if (traceId !== undefined) raw.trace_id = traceId
        const spanId = toHex(logRecord.spanId)
        if (spanId !== undefined) raw.span_id = spanId
        const result = normalise(raw, receivedAt, undefined, maxAttributes)
        if (result.ok) records.push(result.record)
        else reject(result.error)
      })
    })
  })
  return { records, rejected, errors }
}
