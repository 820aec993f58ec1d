import { describe, expect, test } from "bun:test"
import { gzipSync } from "node:zlib"
import { EventTime } from "@fluent-org/logger"
import * as fluent from "@fluent-org/logger/build/src/protocol.js"
import { DEFAULT_FIELD_MAP } from "../../../src/domain/field-mapping.ts"
import { decodeForwardMessage, type ForwardMessage } from "../../../src/ingest/forward/decode.ts"
import { ForwardFramer, MessageTooLarge } from "../../../src/ingest/forward/framer.ts"
import { answerPing, startHandshake } from "../../../src/ingest/forward/handshake.ts"
import { entryToRecord, makeServiceOfTag } from "../../../src/ingest/forward/record.ts"

// Messages are encoded by @fluent-org/logger's own protocol module, as its client sends them.
const MAX = 1024 * 1024
const T0 = Date.parse("2026-12-07T10:00:00.000Z")
const eventTime = (ms: number) => new EventTime(Math.floor(ms / 1000), (ms % 1000) * 1_000_000)
const events = (message: ForwardMessage) => {
  if (message.kind !== "events") throw new Error(`expected events, got ${JSON.stringify(message)}`)
  return message
}
const decode = (item: unknown) => decodeForwardMessage(fluent.encode(item), MAX)

describe("forward messages in each carrier mode", () => {
  test("Message mode: one event with a nanosecond EventTime and a chunk to acknowledge", () => {
    const message = events(decode(fluent.generateMessageMode("app.web", eventTime(T0 + 123), { log: "hello" }, "Y2h1bmstMQ==")))
    expect(message).toEqual({ kind: "events", tag: "app.web", entries: [{ time: T0 + 123, record: { log: "hello" } }], refused: [], chunk: "Y2h1bmstMQ==" })
  })

  test("Forward mode: entries with integer seconds; a bad entry is refused alone", () => {
    const entries = [fluent.generateEntry(T0 / 1000, { n: 1 }), ["not", "an entry", "at all"], fluent.generateEntry(eventTime(T0 + 5), { n: 3 })]
    const message = events(decode(fluent.generateForwardMode("app", entries as never)))
    expect(message.entries).toEqual([
      { time: T0, record: { n: 1 } },
      { time: T0 + 5, record: { n: 3 } }
    ])
    expect(message.refused).toEqual(["an entry's record must be a map"])
    expect(message.chunk).toBeUndefined()
  })

  test("PackedForward mode, as bin (Fluent Bit) and as str (Fluentd's out_forward)", () => {
    const packed = [fluent.packEntry([eventTime(T0), { a: "x" }]), fluent.packEntry([eventTime(T0 + 1), { a: "y" }])]
    const bin = events(decode(fluent.generatePackedForwardMode("packed", packed, packed[0]!.byteLength + packed[1]!.byteLength, "c1")))
    expect(bin.entries.map((e) => [e.time, e.record.a])).toEqual([
      [T0, "x"],
      [T0 + 1, "y"]
    ])
    expect(bin.chunk).toBe("c1")
    // ["packed", str32(entries)]: the entries' bytes as a msgpack str, which is not UTF-8 text.
    const stream = Buffer.concat(packed)
    const header = Buffer.from([0x92, 0xa6, ...Buffer.from("packed"), 0xdb, 0, 0, 0, 0])
    header.writeUInt32BE(stream.byteLength, header.byteLength - 4)
    const str = events(decodeForwardMessage(Buffer.concat([header, stream]), MAX))
    expect(str.entries.map((e) => e.record.a)).toEqual(["x", "y"])
  })

  test("CompressedPackedForward mode, including several gzip members one after another", () => {
    const one = fluent.packEntry([eventTime(T0), { log: "first" }])
    const two = fluent.packEntry([eventTime(T0 + 1), { log: "second" }])
    const single = events(decode(fluent.generateCompressedPackedForwardMode("gz", [one, two], one.byteLength + two.byteLength, "c2")))
    expect(single.entries.map((e) => e.record.log)).toEqual(["first", "second"])
    const members = Buffer.concat([gzipSync(one), gzipSync(two)])
    const multi = events(decode(["gz", members, { compressed: "gzip" }]))
    expect(multi.entries.map((e) => e.record.log)).toEqual(["first", "second"])
  })

  test("compressed entries inflating past the bound are refused, naming the setting, and still carry their chunk", () => {
    const big = fluent.packEntry([eventTime(T0), { log: "x".repeat(4096) }])
    const message = decodeForwardMessage(fluent.encode(["gz", gzipSync(big), { compressed: "gzip", chunk: "c3" }]), 1024)
    expect(message).toMatchObject({ kind: "invalid", chunk: "c3" })
    expect((message as { reason: string }).reason).toContain("FLUENT_FORWARD_MAX_MESSAGE_BYTES")
  })

  test("nil is a heartbeat; a PING is a handshake step; what is no forward message is refused whole", () => {
    expect(decodeForwardMessage(new Uint8Array([0xc0]), MAX)).toEqual({ kind: "heartbeat" })
    expect(decode(["PING", "h", "salt", "digest", "", ""]).kind).toBe("ping")
    expect(decode({ not: "an array" })).toMatchObject({ kind: "invalid", reason: "a forward message must be an array" })
    expect(decode([42, T0 / 1000, { a: 1 }, { chunk: "c4" }])).toMatchObject({ kind: "invalid", reason: "the tag must be a non-empty string", chunk: "c4" })
    expect(decode(["tag", T0 / 1000])).toMatchObject({ kind: "invalid" })
  })

  test("Fluent Bit's [[EventTime, metadata], record] entries keep their time", () => {
    const message = events(decode(["fb", [[[eventTime(T0 + 7), { otlp: {} }], { log: "with metadata" }]]]))
    expect(message.entries).toEqual([{ time: T0 + 7, record: { log: "with metadata" } }])
  })
})

describe("the forward framer", () => {
  test("messages split anywhere across reads come out whole and in order", () => {
    const bytes = Buffer.concat([
      fluent.encode(fluent.generateMessageMode("a", eventTime(T0), { log: "one" })),
      Buffer.from([0xc0]),
      fluent.encode(fluent.generateForwardMode("b", [fluent.generateEntry(T0 / 1000, { log: "two" })]))
    ])
    const framer = new ForwardFramer(MAX)
    const messages = [...bytes].flatMap((byte) => framer.push(new Uint8Array([byte])))
    expect(messages.map((m) => decodeForwardMessage(m, MAX).kind)).toEqual(["events", "heartbeat", "events"])
    expect(framer.holding).toBe(false)
  })

  test("a message announced larger than the bound is refused before its bytes arrive", () => {
    const framer = new ForwardFramer(4096)
    // ["tag", bin32 of 1 GiB …]: only the headers are sent.
    const headers = Buffer.from([0x92, 0xa3, ...Buffer.from("tag"), 0xc6, 0x40, 0, 0, 0])
    expect(() => framer.push(headers)).toThrow(MessageTooLarge)
  })

  test("a message over the bound is refused also when it arrives in one read", () => {
    const message = fluent.encode(fluent.generateMessageMode("t", eventTime(T0), { log: "x".repeat(5000) }))
    expect(() => new ForwardFramer(4096).push(message)).toThrow(MessageTooLarge)
  })

  test("a byte that starts no msgpack value is malformed", () => {
    expect(() => new ForwardFramer(MAX).push(new Uint8Array([0xc1]))).toThrow("starts no msgpack value")
  })
})

describe("the shared-key handshake", () => {
  const KEY = "s3cret-shared-key"
  test("a PING made with the same key is admitted, and the client library accepts the PONG", () => {
    const handshake = startHandshake()
    const salt = Buffer.from("0123456789abcdef")
    const ping = fluent.generatePing("client.example", { salt, nonce: handshake.nonce as Buffer, key: KEY } as never)
    const answer = answerPing(fluent.decode(fluent.encode(ping)) as unknown[], handshake, KEY, "logflow")
    expect(answer.admitted).toBe(true)
    const pong = fluent.decode(answer.pong) as never
    expect(() => fluent.checkPong(pong, "client.example", { salt, nonce: handshake.nonce as Buffer, key: KEY } as never)).not.toThrow()
  })

  test("a PING made with another key is refused with a reason", () => {
    const handshake = startHandshake()
    const ping = fluent.generatePing("client.example", { salt: Buffer.from("salt"), nonce: handshake.nonce as Buffer, key: "wrong" } as never)
    const answer = answerPing(ping as unknown[], handshake, KEY, "logflow")
    expect([answer.admitted, answer.reason]).toEqual([false, "shared key mismatch"])
    expect((fluent.decode(answer.pong) as unknown[]).slice(0, 3)).toEqual(["PONG", false, "shared key mismatch"])
  })
})

describe("forward events as records", () => {
  test("record keys map like _bulk documents; the tag names the service only when the record does not", () => {
    const serviceOfTag = makeServiceOfTag("^([^.]+)")
    const entry = { time: T0, record: { log: "payment failed", level: "error", host: "node-1", trace_id: "abc123", order: { id: 9 } } }
    const outcome = entryToRecord(entry, "checkout.stdout", serviceOfTag("checkout.stdout"), DEFAULT_FIELD_MAP, T0 + 50)
    expect("record" in outcome && outcome.record).toMatchObject({
      service: "checkout",
      level: "ERROR",
      message: "payment failed",
      host: "node-1",
      trace_id: "abc123",
      timestamp: T0,
      attributes: { "fluent.tag": "checkout.stdout", "order.id": 9 }
    })
    const named = entryToRecord({ time: T0, record: { log: "x", kubernetes: { container_name: "billing" } } }, "kube.var.log", "kube", DEFAULT_FIELD_MAP, T0)
    expect("record" in named && named.record.service).toBe("billing")
  })

  test("the tag rule: a capture group, else the whole match, else the tag itself", () => {
    expect(makeServiceOfTag("^(.+)$")("app.web")).toBe("app.web")
    expect(makeServiceOfTag("^docker\\.(\\w+)")("docker.nginx.1")).toBe("nginx")
    expect(makeServiceOfTag("^[a-z]+")("api.v2")).toBe("api")
    expect(makeServiceOfTag("^nomatch$")("other")).toBe("other")
  })

  test("a record time the mapping cannot read refuses that entry, naming the key", () => {
    const outcome = entryToRecord({ time: T0, record: { log: "x", time: "yesterday-ish" } }, "t", "t", DEFAULT_FIELD_MAP, T0)
    expect("error" in outcome && outcome.error).toContain("time:")
  })
})
