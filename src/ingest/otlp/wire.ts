import { LIMITS, normalise } from "../../domain/normalise.ts"
import type { LogRecord } from "../../domain/log-record.ts"
import { MAX_REPORTED_ERRORS } from "../native/decode.ts"
import {
  baseAttributesOf,
  hostOf,
  int64NanosToMillis,
  levelOf,
  MalformedOtlp,
  type OtlpBatch,
  ANY_VALUE_DEPTH,
  prefixed,
  rawRecordOf,
  serviceOf,
  TOO_DEEP
} from "./decode.ts"

/**
 * OTLP protobuf (`ExportLogsServiceRequest`, the body of OTLP/HTTP protobuf and of each OTLP/gRPC
 * call) read straight from the wire format into records, without building the message first:
 * ResourceLogs → ScopeLogs → LogRecord, AnyValue/KeyValue, fixed64 times, bytes ids as hex. It
 * gives exactly the documents `otlpToRecords` builds from the decoded message (the same
 * `rawRecordOf` and `normalise`), field numbers from `proto/` (opentelemetry-proto).
 *
 * - A message that is not well-formed protobuf (a truncated varint, a length past the end of its
 *   message, a known field with the wrong wire type, a group left open) fails the whole request
 *   with `MalformedOtlp`, naming the byte offset; unknown fields are skipped by their wire type.
 * - Text is checked as UTF-8 (`TextDecoder`, fatal): invalid UTF-8 inside a LogRecord rejects that
 *   record alone (counted, with its path); inside a resource or scope it fails the request.
 * - AnyValues nested deeper than ANY_VALUE_DEPTH (arrays, kvlists) are skipped unread and stand
 *   as TOO_DEEP, as in the mapping of decoded messages; normalise's limits (attributes per
 *   record, nesting, lengths) apply to each record as for every protocol.
 * - When a field that is not repeated occurs more than once, the last one wins (protobuf's rule).
 */

type Obj = Record<string, unknown>

/** Invalid UTF-8 in a string field: a per-record rejection inside a LogRecord. */
class InvalidUtf8 extends Error {}

const VARINT = 0
const FIXED64 = 1
const LEN = 2
const START_GROUP = 3
const END_GROUP = 4
const FIXED32 = 5

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })

/** Strings this short are checked for ASCII here and then sliced as Latin-1, cheaper than a TextDecoder call. */
const SHORT_STRING = 32

/** Node's Buffer slicing methods (Bun has them): no validation, so used only where the bytes are known to be ASCII, or for hex. */
interface Slicing {
  latin1Slice(start: number, end: number): string
  hexSlice(start: number, end: number): string
}

class Reader {
  pos = 0
  private view: DataView | undefined
  readonly slicing: Slicing
  constructor(readonly buf: Uint8Array) {
    this.slicing = (Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)) as unknown as Slicing
  }

  fail(what: string, at = this.pos): never {
    throw new MalformedOtlp({ message: `is not an OTLP ExportLogsServiceRequest in protobuf: ${what} at byte ${at}` })
  }

  /** An unsigned varint of up to 32 bits (the rest of a longer one is read and dropped, as protobuf does for 32-bit fields). */
  uint32(end: number): number {
    const buf = this.buf
    let pos = this.pos
    let value = 0
    for (let shift = 0; shift < 70; shift += 7) {
      if (pos >= end) this.fail("truncated varint")
      const b = buf[pos++]!
      if (shift < 32) value |= (b & 0x7f) << shift
      if (b < 0x80) {
        this.pos = pos
        return value >>> 0
      }
    }
    return this.fail("varint longer than 10 bytes", this.pos)
  }

  /** A 64-bit varint as its two 32-bit halves (`hi` in `this.hi`). */
  hi = 0
  int64(end: number): number {
    const buf = this.buf
    let pos = this.pos
    let lo = 0
    let hi = 0
    for (let i = 0; i < 10; i++) {
      if (pos >= end) this.fail("truncated varint")
      const b = buf[pos++]!
      if (i < 4) lo |= (b & 0x7f) << (7 * i)
      else if (i === 4) {
        lo |= (b & 0x0f) << 28
        hi |= (b & 0x7f) >> 4
      } else hi |= (b & 0x7f) << (7 * i - 32)
      if (b < 0x80) {
        this.pos = pos
        this.hi = hi
        return lo
      }
    }
    return this.fail("varint longer than 10 bytes", this.pos)
  }

  fixed32(end: number, at: number): number {
    if (at + 4 > end) this.fail("truncated fixed32")
    const b = this.buf
    return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0
  }

  double(end: number): number {
    if (this.pos + 8 > end) this.fail("truncated double")
    this.view ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength)
    const value = this.view.getFloat64(this.pos, true)
    this.pos += 8
    return value
  }

  /** The end of the length-delimited field starting here (its bytes are `pos` to the result). */
  length(end: number): number {
    const at = this.pos
    const n = this.uint32(end)
    if (n > end - this.pos) this.fail(`length ${n} past the end of its message`, at)
    return this.pos + n
  }

  string(end: number): string {
    const stop = this.length(end)
    const buf = this.buf
    const start = this.pos
    this.pos = stop
    if (stop - start <= SHORT_STRING) {
      let i = start
      while (i < stop && buf[i]! < 0x80) i++
      if (i === stop) return this.slicing.latin1Slice(start, stop)
    }
    try {
      return utf8.decode(buf.subarray(start, stop))
    } catch {
      throw new InvalidUtf8(`invalid UTF-8 at byte ${start}`)
    }
  }

  /** A tag's field number, its wire type in `this.wireType`. */
  wireType = 0
  tag(end: number): number {
    const at = this.pos
    const tag = this.uint32(end)
    const field = tag >>> 3
    if (field === 0) this.fail("field number 0", at)
    this.wireType = tag & 7
    return field
  }

  expect(field: number, wireType: number, at: number) {
    if (this.wireType !== wireType) this.fail(`field ${field} has wire type ${this.wireType}, expected ${wireType}`, at)
  }

  /** Skips the field whose tag was just read (groups to their END_GROUP, iteratively). */
  skip(field: number, end: number) {
    let open: number[] | undefined
    let wireType = this.wireType
    for (;;) {
      const at = this.pos
      switch (wireType) {
        case VARINT:
          this.int64(end)
          break
        case FIXED64:
          if (at + 8 > end) this.fail("truncated fixed64")
          this.pos += 8
          break
        case LEN:
          this.pos = this.length(end)
          break
        case FIXED32:
          if (at + 4 > end) this.fail("truncated fixed32")
          this.pos += 4
          break
        case START_GROUP:
          ;(open ??= []).push(field)
          break
        case END_GROUP:
          if (open === undefined || open.pop() !== field) this.fail(`unmatched end of group ${field}`)
          break
        default:
          this.fail(`wire type ${wireType}`)
      }
      if (open === undefined || open.length === 0) return
      if (this.pos >= end) this.fail(`group ${open[open.length - 1]} left open`)
      field = this.tag(end)
      wireType = this.wireType
    }
  }
}

/** An AnyValue (its bytes are `r.pos` to `end`) as `otlpToRecords` reads it: undefined when none is set. */
const anyValue = (r: Reader, end: number, depth: number): unknown => {
  if (depth > ANY_VALUE_DEPTH) {
    r.pos = end
    return TOO_DEEP
  }
  let value: unknown
  while (r.pos < end) {
    const at = r.pos
    const field = r.tag(end)
    switch (field) {
      case 1:
        r.expect(field, LEN, at)
        value = r.string(end)
        break
      case 2:
        r.expect(field, VARINT, at)
        value = r.int64(end) !== 0 || r.hi !== 0
        break
      case 3: {
        r.expect(field, VARINT, at)
        const lo = r.int64(end)
        const hi = r.hi
        const n = hi * 4_294_967_296 + (lo >>> 0)
        value = Number.isSafeInteger(n) ? n : BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)).toString()
        break
      }
      case 4:
        r.expect(field, FIXED64, at)
        value = r.double(end)
        break
      case 5: {
        r.expect(field, LEN, at)
        const stop = r.length(end)
        const items: unknown[] = []
        while (r.pos < stop) {
          const itemAt = r.pos
          const item = r.tag(stop)
          if (item !== 1) {
            r.skip(item, stop)
            continue
          }
          r.expect(item, LEN, itemAt)
          const itemEnd = r.length(stop)
          items.push(anyValue(r, itemEnd, depth + 1))
        }
        value = items
        break
      }
      case 6: {
        r.expect(field, LEN, at)
        const stop = r.length(end)
        value = keyValues(r, stop, 1, depth + 1, {})
        break
      }
      case 7: {
        r.expect(field, LEN, at)
        const stop = r.length(end)
        value = Buffer.from(r.buf.buffer, r.buf.byteOffset + r.pos, stop - r.pos).toString("base64")
        r.pos = stop
        break
      }
      case 8:
        // string_value_strindex (profiles' string table): no text here.
        r.expect(field, VARINT, at)
        r.int64(end)
        value = undefined
        break
      default:
        r.skip(field, end)
    }
  }
  return value
}

/** The value of the KeyValue `readKeyValue` read last. */
let lastValue: unknown

/** One KeyValue (its bytes `r.pos` to `end`): its key returned, its value in `lastValue`. */
const readKeyValue = (r: Reader, end: number, depth: number): string => {
  let key = ""
  let value: unknown
  while (r.pos < end) {
    const at = r.pos
    const field = r.tag(end)
    if (field === 1) {
      r.expect(field, LEN, at)
      key = r.string(end)
    } else if (field === 2) {
      r.expect(field, LEN, at)
      const stop = r.length(end)
      value = anyValue(r, stop, depth)
    } else r.skip(field, end)
  }
  lastValue = value
  return key
}

/** One KeyValue into `out`, unless its key is empty. */
const keyValue = (r: Reader, end: number, depth: number, out: Obj) => {
  const key = readKeyValue(r, end, depth)
  if (key !== "") out[key] = lastValue
}

/** The repeated KeyValue field `field` of the message from `r.pos` to `end`, into `out`. */
const keyValues = (r: Reader, end: number, kvField: number, depth: number, out: Obj): Obj => {
  while (r.pos < end) {
    const at = r.pos
    const field = r.tag(end)
    if (field !== kvField) {
      r.skip(field, end)
      continue
    }
    r.expect(field, LEN, at)
    const stop = r.length(end)
    keyValue(r, stop, depth, out)
  }
  return out
}

/** The ms of a fixed64 nanosecond time at `at`; 0 → undefined. */
const nanosAt = (r: Reader, end: number, at: number): number | undefined => {
  if (at + 8 > end) r.fail("truncated fixed64", at)
  const low = r.fixed32(end, at)
  const high = r.fixed32(end, at + 4)
  const ms = int64NanosToMillis(low, high)
  return ms > 0 ? ms : undefined
}

/** Runs `f` over each length-delimited field `wanted` of the message from `r.pos` to `end` (others skipped), from where `r` is. */
const eachField = (r: Reader, end: number, wanted: number, f: (stop: number, index: number) => void) => {
  let index = 0
  while (r.pos < end) {
    const at = r.pos
    const field = r.tag(end)
    if (field !== wanted) {
      r.skip(field, end)
      continue
    }
    r.expect(field, LEN, at)
    const stop = r.length(end)
    f(stop, index++)
    r.pos = stop
  }
}

/** The last occurrence of the length-delimited field `wanted` in `start`..`end`, as [start, stop], or undefined. */
const lastField = (r: Reader, start: number, end: number, wanted: number): readonly [number, number] | undefined => {
  r.pos = start
  let found: readonly [number, number] | undefined
  eachField(r, end, wanted, (stop) => {
    found = [r.pos, stop]
  })
  return found
}

interface Scope {
  readonly name: string | undefined
  readonly version: string | undefined
  readonly attributes: Obj
}

const scopeOf = (r: Reader, end: number): Scope => {
  let name: string | undefined
  let version: string | undefined
  const attributes: Obj = {}
  while (r.pos < end) {
    const at = r.pos
    const field = r.tag(end)
    if (field === 1 || field === 2) {
      r.expect(field, LEN, at)
      if (field === 1) name = r.string(end)
      else version = r.string(end)
    } else if (field === 3) {
      r.expect(field, LEN, at)
      const stop = r.length(end)
      keyValue(r, stop, 0, attributes)
    } else r.skip(field, end)
  }
  return { name, version, attributes }
}

/** Invalid UTF-8 outside a LogRecord fails the request. */
const outsideRecords = <A>(r: Reader, what: string, f: () => A): A => {
  try {
    return f()
  } catch (e) {
    if (e instanceof InvalidUtf8) r.fail(`${e.message} in ${what}`)
    throw e
  }
}

/** Maps the protobuf bytes of an `ExportLogsServiceRequest` to records; a record that cannot be mapped is rejected alone. */
export const otlpProtobufToRecords = (bytes: Uint8Array, receivedAt: number, maxAttributes: number = LIMITS.attributeCount): OtlpBatch => {
  const r = new Reader(bytes)
  const records: LogRecord[] = []
  const errors: Array<{ line: number; message: string; path: string }> = []
  let rejected = 0
  let line = 0
  eachField(r, bytes.byteLength, 1, (resourceLogsEnd, i) => {
    const resourceLogsStart = r.pos
    // The resource (field 1) may follow its scope logs on the wire: found first.
    const resourceAt = lastField(r, resourceLogsStart, resourceLogsEnd, 1)
    const resource: Obj = {}
    if (resourceAt !== undefined) {
      r.pos = resourceAt[0]
      outsideRecords(r, `resourceLogs[${i}].resource`, () => keyValues(r, resourceAt[1], 1, 0, resource))
    }
    const service = serviceOf(resource)
    const host = hostOf(resource)
    const resourceAttributes = prefixed("resource.", resource)
    r.pos = resourceLogsStart
    eachField(r, resourceLogsEnd, 2, (scopeLogsEnd, j) => {
      const scopeLogsStart = r.pos
      const scopeAt = lastField(r, scopeLogsStart, scopeLogsEnd, 1)
      let scope: Scope = { name: undefined, version: undefined, attributes: {} }
      if (scopeAt !== undefined) {
        r.pos = scopeAt[0]
        scope = outsideRecords(r, `resourceLogs[${i}].scopeLogs[${j}].scope`, () => scopeOf(r, scopeAt[1]))
      }
      const base = baseAttributesOf(resourceAttributes, scope.name, scope.version, scope.attributes)
      r.pos = scopeLogsStart
      eachField(r, scopeLogsEnd, 2, (end, k) => {
        line++
        let body: unknown
        let severityNumber = 0
        let severityText: string | undefined
        let eventName: string | undefined
        let time: number | undefined
        let observed: number | undefined
        let traceId: string | undefined
        let spanId: string | undefined
        const keys: string[] = []
        const values: unknown[] = []
        let invalid: string | undefined
        while (r.pos < end) {
          const at = r.pos
          const field = r.tag(end)
          try {
            switch (field) {
              case 1:
              case 11:
                r.expect(field, FIXED64, at)
                if (field === 1) time = nanosAt(r, end, r.pos)
                else observed = nanosAt(r, end, r.pos)
                r.pos += 8
                break
              case 2:
                r.expect(field, VARINT, at)
                severityNumber = r.uint32(end) | 0
                break
              case 3:
                r.expect(field, LEN, at)
                severityText = r.string(end)
                break
              case 5: {
                r.expect(field, LEN, at)
                const stop = r.length(end)
                body = anyValue(r, stop, 0)
                break
              }
              case 6: {
                r.expect(field, LEN, at)
                const stop = r.length(end)
                const key = readKeyValue(r, stop, 0)
                if (key !== "") {
                  keys.push(key)
                  values.push(lastValue)
                }
                break
              }
              case 9:
              case 10: {
                r.expect(field, LEN, at)
                const stop = r.length(end)
                const id = stop === r.pos ? undefined : r.slicing.hexSlice(r.pos, stop)
                if (field === 9) traceId = id
                else spanId = id
                r.pos = stop
                break
              }
              case 12:
                r.expect(field, LEN, at)
                eventName = r.string(end)
                break
              default:
                r.skip(field, end)
            }
          } catch (e) {
            if (!(e instanceof InvalidUtf8)) throw e
            // The field's bytes are delimited: skipped whole, the rest of the record is still read (and checked).
            invalid ??= `${e.message} in field ${field}`
            r.pos = at
            r.tag(end)
            r.skip(field, end)
          }
        }
        const reject = (message: string) => {
          rejected++
          if (errors.length < MAX_REPORTED_ERRORS) errors.push({ line, message, path: `resourceLogs[${i}].scopeLogs[${j}].logRecords[${k}]` })
        }
        if (invalid !== undefined) return reject(invalid)
        const raw = rawRecordOf(service, host, base, body, levelOf(severityNumber, severityText), severityText, eventName, time ?? observed, traceId, spanId)
        const attributes = raw.attributes
        for (let n = 0; n < keys.length; n++) attributes[keys[n]!] = values[n]
        const result = normalise(raw, receivedAt, undefined, maxAttributes)
        if (result.ok) records.push(result.record)
        else reject(result.error)
      })
    })
  })
  return { records, rejected, errors }
}
