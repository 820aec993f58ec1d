import { gunzipSync } from "node:zlib"
import { addExtension, Unpackr } from "msgpackr"
import { arrayAt, MalformedMsgpack, rawBytesAt, valueEnd } from "./msgpack-scan.ts"

/**
 * One forward message (Fluent's forward protocol v1) → its events, in every carrier mode:
 * Message `[tag, time, record, option?]`, Forward `[tag, [[time, record], …], option?]`,
 * PackedForward `[tag, bin|str of entries, option?]` and CompressedPackedForward (the same,
 * gzip, `option.compressed: "gzip"`). The mode is told by the second element's type, as the
 * protocol says. Each entry is decoded on its own, so a bad one is refused alone; what cannot
 * be read as a message at all is refused whole. `nil` is a heartbeat, and `PING` a handshake step.
 */

/** Fluent's EventTime (msgpack ext type 0): seconds and nanoseconds, big-endian. */
class EventTime {
  constructor(readonly millis: number) {}
}
addExtension({
  type: 0,
  unpack: (data: Uint8Array) => {
    if (data.byteLength !== 8) throw new MalformedMsgpack("an EventTime must be 8 bytes")
    const view = new DataView(data.buffer, data.byteOffset, 8)
    return new EventTime(view.getUint32(0) * 1000 + Math.floor(view.getUint32(4) / 1_000_000))
  }
})

// 64-bit integers that fit a double are numbers; larger ones stay exact as BigInt (written as text later).
// ("auto" is a mode msgpackr has and its typings lack.)
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: "auto" as "bigint" })

export interface ForwardEntry {
  /** Event time in ms, undefined when the entry carried none we can read (the record may). */
  readonly time: number | undefined
  readonly record: Record<string, unknown>
}

export type ForwardMessage =
  | { readonly kind: "heartbeat" }
  | { readonly kind: "ping"; readonly fields: ReadonlyArray<unknown> }
  | {
      readonly kind: "events"
      readonly tag: string
      readonly entries: ReadonlyArray<ForwardEntry>
      /** Why each refused entry was refused, in order. */
      readonly refused: ReadonlyArray<string>
      /** The `chunk` option: the sender waits for `{ack: chunk}` once the events are stored. */
      readonly chunk: string | undefined
    }
  | { readonly kind: "invalid"; readonly reason: string; readonly chunk: string | undefined }

const MAX_CHUNK_ID = 256
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array)

const decodeValue = (bytes: Uint8Array): unknown => unpackr.unpack(bytes)

/** Seconds (integer, or with a fraction), an EventTime, or Fluent Bit's `[EventTime, metadata]`. */
const timeOf = (value: unknown): number | undefined => {
  if (value instanceof EventTime) return value.millis
  if (typeof value === "number" && Number.isFinite(value) && value >= 0) return Math.floor(value * 1000)
  if (Array.isArray(value) && value.length >= 1 && !Array.isArray(value[0])) return timeOf(value[0])
  return undefined
}

const entryOf = (value: unknown): ForwardEntry | string => {
  if (!Array.isArray(value) || value.length < 2) return "an entry must be [time, record]"
  if (!isObj(value[1])) return "an entry's record must be a map"
  return { time: timeOf(value[0]), record: value[1] }
}

/** The entries of an event stream (PackedForward), each decoded on its own. */
const splitStream = (stream: Uint8Array, entries: ForwardEntry[], refused: string[]) => {
  let at = 0
  while (at < stream.byteLength) {
    let end: number
    try {
      end = valueEnd(stream, at)
    } catch (e) {
      refused.push(`the entries are cut short or malformed after byte ${at}: ${(e as Error).message}`)
      return
    }
    const bytes = stream.subarray(at, end)
    collect(() => decodeValue(bytes), entries, refused)
    at = end
  }
}

/** Decodes one entry (`read` gives its value) into `entries`, or says in `refused` why it is not one. */
const collect = (read: () => unknown, entries: ForwardEntry[], refused: string[]) => {
  let entry: ForwardEntry | string
  try {
    entry = entryOf(read())
  } catch (e) {
    entry = `an entry is not valid msgpack: ${(e as Error).message}`
  }
  if (typeof entry === "string") refused.push(entry)
  else entries.push(entry)
}

/** The byte ranges of a top-level array's elements (at most `max` of them). */
const elementsOf = (bytes: Uint8Array, max: number): Array<[number, number]> | string => {
  const array = arrayAt(bytes, 0)
  if (array === undefined) return "a forward message must be an array"
  if (array.length < 2 || array.length > max) return `a forward message has 2 to ${max} elements, not ${array.length}`
  const ranges: Array<[number, number]> = []
  let at = array.first
  for (let i = 0; i < array.length; i++) {
    const end = valueEnd(bytes, at)
    ranges.push([at, end])
    at = end
  }
  return ranges
}

const chunkOf = (option: unknown): string | undefined =>
  isObj(option) && typeof option.chunk === "string" && option.chunk.length <= MAX_CHUNK_ID ? option.chunk : undefined

/** Decodes one complete message; `maxInflatedBytes` bounds CompressedPackedForward entries once inflated. */
export const decodeForwardMessage = (bytes: Uint8Array, maxInflatedBytes: number): ForwardMessage => {
  if (bytes[0] === 0xc0) return { kind: "heartbeat" }
  try {
    const ranges = elementsOf(bytes, 6)
    if (typeof ranges === "string") return { kind: "invalid", reason: ranges, chunk: undefined }
    const element = (i: number) => bytes.subarray(ranges[i]![0], ranges[i]![1])
    const tag = decodeValue(element(0))
    if (tag === "PING") return { kind: "ping", fields: ranges.map((_, i) => decodeValue(element(i))) }
    if (ranges.length > 4) return { kind: "invalid", reason: "an event message has at most 4 elements", chunk: undefined }
    const second = element(1)
    const packed = rawBytesAt(second, 0)
    const isForward = arrayAt(second, 0) !== undefined
    // Message mode is the only one with a record as third element; the others end with the option.
    const optionIndex = packed !== undefined || isForward ? 2 : 3
    const option = ranges.length > optionIndex ? decodeValue(element(optionIndex)) : undefined
    const chunk = chunkOf(option)
    if (typeof tag !== "string" || tag === "") return { kind: "invalid", reason: "the tag must be a non-empty string", chunk }
    const entries: ForwardEntry[] = []
    const refused: string[] = []
    if (packed !== undefined) {
      const compressed = isObj(option) && option.compressed === "gzip"
      const stream = compressed ? inflate(packed, maxInflatedBytes) : packed
      if (typeof stream === "string") return { kind: "invalid", reason: stream, chunk }
      splitStream(stream, entries, refused)
    } else if (isForward) {
      const list = arrayAt(second, 0)!
      let at = list.first
      for (let i = 0; i < list.length; i++) {
        const end = valueEnd(second, at)
        const bytes = second.subarray(at, end)
        collect(() => decodeValue(bytes), entries, refused)
        at = end
      }
    } else {
      if (ranges.length < 3) return { kind: "invalid", reason: "a Message-mode event is [tag, time, record, option?]", chunk }
      collect(() => [decodeValue(second), decodeValue(element(2))], entries, refused)
    }
    return { kind: "events", tag, entries, refused, chunk }
  } catch (e) {
    return { kind: "invalid", reason: `not a forward message: ${(e as Error).message}`, chunk: undefined }
  }
}

/** gzip (possibly several members one after another, as the protocol allows), at most `maxBytes` once inflated. */
const inflate = (bytes: Uint8Array, maxBytes: number): Uint8Array | string => {
  try {
    return gunzipSync(bytes, { maxOutputLength: maxBytes })
  } catch (e) {
    if ((e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE")
      return `the compressed entries inflate to more than ${maxBytes} bytes (FLUENT_FORWARD_MAX_MESSAGE_BYTES)`
    return "the compressed entries are not valid gzip"
  }
}
