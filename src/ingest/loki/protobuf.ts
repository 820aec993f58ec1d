import { Data } from "effect"
import protobuf from "protobufjs"
import { uncompressSync } from "snappy"
import { MalformedLoki } from "./decode.ts"

/**
 * Loki's native push encoding (what Promtail, Grafana Alloy and most Loki clients send by
 * default): a snappy-compressed (block format) protobuf `logproto.PushRequest`, turned into the
 * JSON push body's shape so one mapping (`lokiToRecords`) serves both. Decompression is
 * `snappy` (napi-rs); the message types are declared here with protobufjs, field for field as
 * Loki's `pkg/push/push.proto` numbers them (only the fields a push carries).
 */

const { Type, Field, Root } = protobuf

const types = (() => {
  const root = new Root().define("logproto")
  root.add(new Type("Timestamp").add(new Field("seconds", 1, "int64")).add(new Field("nanos", 2, "int32")))
  root.add(new Type("LabelPairAdapter").add(new Field("name", 1, "string")).add(new Field("value", 2, "string")))
  root.add(
    new Type("EntryAdapter")
      .add(new Field("timestamp", 1, "Timestamp"))
      .add(new Field("line", 2, "string"))
      .add(new Field("structuredMetadata", 3, "LabelPairAdapter", "repeated"))
  )
  root.add(new Type("StreamAdapter").add(new Field("labels", 1, "string")).add(new Field("entries", 2, "EntryAdapter", "repeated")))
  root.add(new Type("PushRequest").add(new Field("streams", 1, "StreamAdapter", "repeated")))
  return { pushRequest: root.lookupType("PushRequest") }
})()

/** The push request type, for clients of this module that encode requests (tests, benchmarks). */
export const lokiPushRequestType = () => types.pushRequest

/** A body within the limit that would inflate beyond it. */
export class PayloadTooLargeAfterInflate extends Data.TaggedError("PayloadTooLargeAfterInflate")<{ readonly maxBytes: number }> {
  readonly status = 413
  readonly code = "payload_too_large"
  override get message() {
    return `request body is larger than ${this.maxBytes} bytes once decompressed; split the batch`
  }
}

/** The uncompressed length a snappy block announces in its first bytes (a varint), checked before inflating. */
const snappyLength = (bytes: Uint8Array): number => {
  let length = 0
  for (let i = 0, shift = 1; i < 5 && i < bytes.length; i++, shift *= 128) {
    length += (bytes[i]! & 0x7f) * shift
    if ((bytes[i]! & 0x80) === 0) return length
  }
  throw new MalformedLoki({ message: "is not snappy-compressed data" })
}

/** Prometheus-style label set text, `{app="api", env="prod"}` (values may escape \", \\ and \n). */
export const parseLabelSet = (text: string): Record<string, string> => {
  const labels: Record<string, string> = {}
  const trimmed = text.trim()
  if (!trimmed.startsWith("{") || !trimmed.endsWith("}"))
    throw new MalformedLoki({ message: `stream labels ${JSON.stringify(text.slice(0, 60))} are not a {name="value", …} set` })
  const pattern = /\s*([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(,|$)/y
  const inner = trimmed.slice(1, -1)
  pattern.lastIndex = 0
  while (pattern.lastIndex < inner.length) {
    const match = pattern.exec(inner)
    if (!match) throw new MalformedLoki({ message: `stream labels ${JSON.stringify(text.slice(0, 60))} are not a {name="value", …} set` })
    labels[match[1]!] = match[2]!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c))
    if (match[3] === "") break
  }
  return labels
}

interface DecodedPush {
  readonly streams?: ReadonlyArray<{
    readonly labels?: string
    readonly entries?: ReadonlyArray<{
      readonly timestamp?: { seconds?: string; nanos?: number }
      readonly line?: string
      readonly structuredMetadata?: ReadonlyArray<{ name?: string; value?: string }>
    }>
  }>
}

/** Decodes a snappy+protobuf push body (at most `maxBytes` once inflated) into the JSON push body's shape. */
export const decodeLokiProtobuf = (body: Uint8Array, maxBytes: number): unknown => {
  const length = snappyLength(body)
  if (length > maxBytes) throw new PayloadTooLargeAfterInflate({ maxBytes })
  let message: ReturnType<typeof types.pushRequest.decode>
  try {
    message = types.pushRequest.decode(uncompressSync(Buffer.from(body.buffer, body.byteOffset, body.byteLength), { asBuffer: true }) as Buffer)
  } catch (e) {
    throw new MalformedLoki({ message: `is not a snappy-compressed Loki PushRequest: ${(e as Error).message}` })
  }
  const push = types.pushRequest.toObject(message, { longs: String, defaults: false }) as DecodedPush
  return {
    streams: (push.streams ?? []).map((stream) => ({
      stream: parseLabelSet(stream.labels ?? "{}"),
      values: (stream.entries ?? []).map((entry) => {
        const nanos = BigInt(entry.timestamp?.seconds ?? "0") * 1_000_000_000n + BigInt(entry.timestamp?.nanos ?? 0)
        const metadata = Object.fromEntries((entry.structuredMetadata ?? []).map((pair) => [pair.name ?? "", pair.value ?? ""]))
        return [nanos.toString(), entry.line ?? "", metadata]
      })
    }))
  }
}
