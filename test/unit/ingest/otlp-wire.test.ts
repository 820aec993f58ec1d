import { describe, expect, test } from "bun:test"
import fc from "fast-check"
import { MalformedOtlp, type OtlpBatch, otlpToRecords } from "../../../src/ingest/otlp/decode.ts"
import { ANY_VALUE_DEPTH, TOO_DEEP } from "../../../src/ingest/otlp/decode.ts"
import { otlpProtobufToRecords } from "../../../src/ingest/otlp/wire.ts"
import { decodeWithProtobufjs, encodeOtlpRequest as encode } from "../../support/otlp-protobufjs.ts"

// The wire decoder must give what decoding the message with protobufjs (from the official
// .proto files) and mapping it gave: requests are drawn at random, encoded by protobufjs, and
// read both ways. Record ids are random ULIDs, left out of the comparison.

const NOW = Date.parse("2026-12-07T12:00:00Z")
const withoutIds = (batch: OtlpBatch) => ({ ...batch, records: batch.records.map(({ id: _id, ...rest }) => rest) })
const viaProtobufjs = (bytes: Uint8Array, maxAttributes?: number) => withoutIds(otlpToRecords(decodeWithProtobufjs(bytes), NOW, maxAttributes))
const viaWire = (bytes: Uint8Array, maxAttributes?: number) => withoutIds(otlpProtobufToRecords(bytes, NOW, maxAttributes))

const text = fc.oneof(
  fc.constantFrom("", "a", "svc", "x.y", "service.name", "host.name", "severity_text", "event.name", "name", "\uFEFFbom", "é", "日本語", "🙂"),
  fc.string({ maxLength: 40, unit: "grapheme" }),
  fc.string({ minLength: 20, maxLength: 60 })
)
const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String)
const uint64 = fc.oneof(
  fc.constant("0"),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String),
  fc.bigInt({ min: 946_684_800_000_000_000n, max: 4_102_444_800_000_000_000n }).map(String)
)

const { anyValue } = fc.letrec<{ anyValue: unknown; keyValue: unknown }>((tie) => ({
  anyValue: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.record({ stringValue: text }),
    fc.record({ boolValue: fc.boolean() }),
    fc.record({ intValue: fc.oneof(int64, fc.integer().map(String)) }),
    fc.record({ doubleValue: fc.double() }),
    fc.record({ bytesValue: fc.uint8Array({ maxLength: 12 }) }),
    fc.constant({}),
    fc.record({ arrayValue: fc.record({ values: fc.array(tie("anyValue"), { maxLength: 3 }) }) }),
    fc.record({ kvlistValue: fc.record({ values: fc.array(tie("keyValue"), { maxLength: 3 }) }) })
  ),
  keyValue: fc.record({ key: text, value: tie("anyValue") }, { requiredKeys: ["key"] })
}))
const keyValue = fc.record({ key: text, value: anyValue }, { requiredKeys: ["key"] })
const attributes = fc.array(keyValue, { maxLength: 5 })

const logRecord = fc.record(
  {
    timeUnixNano: uint64,
    observedTimeUnixNano: uint64,
    severityNumber: fc.integer({ min: -3, max: 30 }),
    severityText: fc.constantFrom("", "warn", "Warning", "ERROR", "chatty", "5"),
    body: anyValue,
    attributes,
    droppedAttributesCount: fc.nat(),
    flags: fc.nat(),
    traceId: fc.uint8Array({ maxLength: 17 }),
    spanId: fc.uint8Array({ maxLength: 9 }),
    eventName: text
  },
  { requiredKeys: [] }
)
const request = fc.record(
  {
    resourceLogs: fc.array(
      fc.record(
        {
          resource: fc.record({ attributes, droppedAttributesCount: fc.nat() }, { requiredKeys: [] }),
          scopeLogs: fc.array(
            fc.record(
              {
                scope: fc.record({ name: text, version: text, attributes }, { requiredKeys: [] }),
                logRecords: fc.array(logRecord, { maxLength: 4 }),
                schemaUrl: text
              },
              { requiredKeys: [] }
            ),
            { maxLength: 3 }
          ),
          schemaUrl: text
        },
        { requiredKeys: [] }
      ),
      { maxLength: 3 }
    )
  },
  { requiredKeys: [] }
)

describe("OTLP protobuf read from the wire", () => {
  test("gives exactly the records and rejections of decoding with protobufjs then mapping", () => {
    fc.assert(
      fc.property(request, fc.constantFrom(undefined, 2, 256), (req, maxAttributes) => {
        const bytes = encode(req)
        expect(viaWire(bytes, maxAttributes)).toEqual(viaProtobufjs(bytes, maxAttributes))
        // gRPC hands over a Buffer (protobufjs then reads strings by Buffer): the same again.
        expect(viaWire(Buffer.from(bytes), maxAttributes)).toEqual(viaProtobufjs(Buffer.from(bytes), maxAttributes))
      }),
      { numRuns: 1500 }
    )
  })

  test("a realistic request: every field mapped", () => {
    const bytes = encode({
      resourceLogs: [
        {
          resource: {
            attributes: [
              { key: "service.name", value: { stringValue: "checkout" } },
              { key: "host.name", value: { stringValue: "web-1" } }
            ]
          },
          scopeLogs: [
            {
              scope: { name: "lib", version: "1.2", attributes: [{ key: "k", value: { intValue: 3 } }] },
              logRecords: [
                {
                  timeUnixNano: "1764410400123999999",
                  severityNumber: 17,
                  body: { stringValue: "paid" },
                  attributes: [{ key: "order", value: { kvlistValue: { values: [{ key: "id", value: { intValue: "9007199254740993" } }] } } }],
                  traceId: Buffer.from("0102030405060708090a0b0c0d0e0f10", "hex"),
                  spanId: Buffer.from("0102030405060708", "hex"),
                  eventName: "payment"
                }
              ]
            }
          ]
        }
      ]
    })
    const { records, rejected } = otlpProtobufToRecords(bytes, NOW)
    expect(rejected).toBe(0)
    expect(records[0]).toMatchObject({
      service: "checkout",
      host: "web-1",
      level: "ERROR",
      message: "paid",
      timestamp: 1764410400123,
      trace_id: "0102030405060708090a0b0c0d0e0f10",
      span_id: "0102030405060708",
      attributes: {
        "resource.service.name": "checkout",
        "scope.name": "lib",
        "scope.version": "1.2",
        "scope.k": 3,
        "event.name": "payment",
        "order.id": "9007199254740993"
      }
    })
  })
})

// Hand-built wire bytes: a tag is (field << 3) | wire type.
const varint = (n: number | bigint): number[] => {
  let v = BigInt.asUintN(64, BigInt(n))
  const out: number[] = []
  do {
    const b = Number(v & 0x7fn)
    v >>= 7n
    out.push(v === 0n ? b : b | 0x80)
  } while (v !== 0n)
  return out
}
const len = (field: number, bytes: ReadonlyArray<number>) => [...varint((field << 3) | 2), ...varint(bytes.length), ...bytes]
const str = (field: number, s: string) => len(field, [...Buffer.from(s)])
/** A request of one resource (with `resource` KeyValue bytes) and one scope holding the given LogRecord bodies. */
const requestOf = (records: ReadonlyArray<ReadonlyArray<number>>, resource: ReadonlyArray<number> = [], scope: ReadonlyArray<number> = []) =>
  new Uint8Array(len(1, [...len(1, resource), ...len(2, [...len(1, scope), ...records.flatMap((record) => len(2, record))])]))
const serviceAttribute = len(1, [...str(1, "service.name"), ...len(2, str(1, "svc"))])
const bodyOf = (message: string) => len(5, str(1, message))

describe("malformed OTLP protobuf", () => {
  test.each<[string, Uint8Array, RegExp]>([
    ["a truncated varint (a tag)", new Uint8Array([0x8a]), /truncated varint at byte 0/],
    ["a truncated varint (a length)", new Uint8Array([0x0a, 0xff]), /truncated varint at byte 1/],
    ["a varint longer than 10 bytes", new Uint8Array([...varint((99 << 3) | 0), ...Array(11).fill(0xff), 0x01]), /varint longer than 10 bytes/],
    ["a length past the end", new Uint8Array([0x0a, 0x05, 0x0a]), /length 5 past the end of its message at byte 1/],
    ["a nested length past the end of its parent", new Uint8Array([0x0a, 0x02, 0x0a, 0x05, 0, 0, 0, 0, 0]), /length 5 past the end of its message at byte 3/],
    ["resourceLogs with the wrong wire type", new Uint8Array([0x08, 0x01]), /field 1 has wire type 0, expected 2 at byte 0/],
    ["a time with the wrong wire type", requestOf([[...varint((1 << 3) | 0), 5]]), /field 1 has wire type 0, expected 1/],
    ["a truncated fixed64 time", requestOf([[(1 << 3) | 1, 1, 2, 3]]), /truncated fixed64/],
    ["a body with the wrong wire type", requestOf([[(5 << 3) | 0, 1]]), /field 5 has wire type 0, expected 2/],
    ["a string value with the wrong wire type", requestOf([len(5, [(1 << 3) | 5, 0, 0, 0, 0])]), /field 1 has wire type 5, expected 2/],
    ["a truncated double", requestOf([len(5, [(4 << 3) | 1, 0, 0])]), /truncated double/],
    ["wire type 6", new Uint8Array([(7 << 3) | 6]), /wire type 6 at byte 1/],
    ["field number 0", new Uint8Array([0x02, 0x00]), /field number 0 at byte 0/],
    ["a group never closed", new Uint8Array([(9 << 3) | 3, 0x08, 0x01]), /group 9 left open/],
    ["an end of group with no start", new Uint8Array([(9 << 3) | 4]), /unmatched end of group 9/],
    [
      "invalid UTF-8 in a resource attribute",
      requestOf([bodyOf("m")], len(1, [...str(1, "k"), ...len(2, len(1, [0xff]))])),
      /invalid UTF-8 .* in resourceLogs\[0\]\.resource/
    ],
    [
      "invalid UTF-8 in the scope name",
      requestOf([bodyOf("m")], serviceAttribute, len(1, [0xc3])),
      /invalid UTF-8 .* in resourceLogs\[0\]\.scopeLogs\[0\]\.scope/
    ]
  ])("%s fails the request, naming where", (_, bytes, message) => {
    let error: unknown
    try {
      otlpProtobufToRecords(bytes, NOW)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(MalformedOtlp)
    expect((error as MalformedOtlp).message).toMatch(message)
  })

  test("invalid UTF-8 inside a LogRecord rejects that record alone, with its path", () => {
    const bad = [...len(5, len(1, [0x61, 0xe2, 0x28, 0xa1])), ...str(3, "warn")]
    const badAttribute = [...bodyOf("ok"), ...len(6, [...str(1, "k"), ...len(2, len(6, len(1, [...str(1, "inner"), ...len(2, len(1, [0xed, 0xa0, 0x80]))])))])]
    const batch = otlpProtobufToRecords(requestOf([bodyOf("first"), bad, badAttribute, bodyOf("last")], serviceAttribute), NOW)
    expect(batch.records.map((r) => r.message)).toEqual(["first", "last"])
    expect(batch.rejected).toBe(2)
    expect(batch.errors).toEqual([
      { line: 2, path: "resourceLogs[0].scopeLogs[0].logRecords[1]", message: expect.stringMatching(/^invalid UTF-8 at byte \d+ in field 5$/) },
      { line: 3, path: "resourceLogs[0].scopeLogs[0].logRecords[2]", message: expect.stringMatching(/^invalid UTF-8 at byte \d+ in field 6$/) }
    ])
  })

  test("a malformed field inside a record with invalid UTF-8 still fails the request", () => {
    const bytes = requestOf([[...len(5, len(1, [0xff])), (1 << 3) | 1, 0]])
    expect(() => otlpProtobufToRecords(bytes, NOW)).toThrow(MalformedOtlp)
  })

  test("unknown fields of every wire type, groups among them, are skipped", () => {
    const unknown = [
      ...varint((99 << 3) | 0),
      ...varint(2n ** 63n),
      ...varint((98 << 3) | 1),
      ...Array(8).fill(7),
      ...varint((97 << 3) | 5),
      1,
      2,
      3,
      4,
      ...str(96, "ignored"),
      ...varint((95 << 3) | 3),
      ...str(1, "in a group"),
      ...varint((94 << 3) | 3),
      ...varint((94 << 3) | 4),
      ...varint((95 << 3) | 4)
    ]
    const record = [...unknown, ...bodyOf("kept"), ...unknown]
    const bytes = new Uint8Array([...unknown, ...len(1, [...unknown, ...len(1, serviceAttribute), ...len(2, [...unknown, ...len(2, record)])])])
    const batch = otlpProtobufToRecords(bytes, NOW)
    expect(batch.records.map((r) => [r.service, r.message])).toEqual([["svc", "kept"]])
  })

  test("a resource after its scope logs on the wire still names the service", () => {
    const bytes = new Uint8Array(len(1, [...len(2, len(2, bodyOf("m"))), ...len(1, serviceAttribute)]))
    expect(otlpProtobufToRecords(bytes, NOW).records[0]!.service).toBe("svc")
  })

  test(`AnyValues nested deeper than ${ANY_VALUE_DEPTH} are cut, unread and visibly, however deep`, () => {
    // 5,000 nested arrays, their innermost bytes garbage: skipped at the bound, no recursion beyond it.
    let value = [0xff, 0xff]
    for (let i = 0; i < 5000; i++) value = len(5, len(1, value))
    const batch = otlpProtobufToRecords(requestOf([[...bodyOf("m"), ...len(6, [...str(1, "deep"), ...len(2, value)])]], serviceAttribute), NOW)
    expect(batch.rejected).toBe(0)
    const nested = JSON.parse(String(batch.records[0]!.attributes.deep))
    let depth = 0
    let v = nested
    for (; Array.isArray(v); v = v[0]) depth++
    expect([depth, v]).toEqual([ANY_VALUE_DEPTH + 1, TOO_DEEP])
  })

  test("any bytes are read into records or fail as malformed, never with another error", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          const batch = otlpProtobufToRecords(bytes, NOW)
          expect(batch.records.length + batch.rejected).toBeGreaterThanOrEqual(0)
        } catch (e) {
          expect(e).toBeInstanceOf(MalformedOtlp)
        }
      }),
      { numRuns: 5000 }
    )
  })

  test("any prefix of a valid request is read or fails as malformed", () => {
    fc.assert(
      fc.property(request, fc.double({ min: 0, max: 1, noNaN: true }), (req, cut) => {
        const bytes = encode(req)
        try {
          otlpProtobufToRecords(bytes.subarray(0, Math.floor(bytes.length * cut)), NOW)
        } catch (e) {
          expect(e).toBeInstanceOf(MalformedOtlp)
        }
      }),
      { numRuns: 500 }
    )
  })
})
