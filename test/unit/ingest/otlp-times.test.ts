import { expect, test } from "bun:test"
import fc from "fast-check"
import { otlpToRecords } from "../../../src/ingest/otlp/decode.ts"
import { otlpProtobufToRecords } from "../../../src/ingest/otlp/wire.ts"
import { encodeOtlpRequest } from "../../support/otlp-protobufjs.ts"

// Protobuf times are 64-bit values, read without going through text: the millisecond must be
// exactly floor(nanoseconds / 10^6), at every nanosecond (a double cannot hold them).
const recordAt = (nanos: string) => {
  const request = {
    resourceLogs: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: "t" } }] },
        scopeLogs: [{ logRecords: [{ timeUnixNano: nanos, body: { stringValue: "x" } }] }]
      }
    ]
  }
  return otlpProtobufToRecords(encodeOtlpRequest(request), 0).records[0]!
}

test("a protobuf timeUnixNano becomes floor(ns / 10^6) ms, exactly", () => {
  const from = 946_684_800_000_000_000n // 2000-01-01
  const to = 4_102_444_800_000_000_000n // 2100-01-01
  fc.assert(
    fc.property(fc.bigInt({ min: from, max: to }), (nanos) => {
      expect(recordAt(nanos.toString()).timestamp).toBe(Number(nanos / 1_000_000n))
    }),
    { numRuns: 500 }
  )
  // The edges of a millisecond, where rounding through a double goes wrong.
  expect(recordAt("1764410400123000000").timestamp).toBe(1764410400123)
  expect(recordAt("1764410400123999999").timestamp).toBe(1764410400123)
})

test("OTLP/JSON's decimal-text times read the same", () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 946_684_800_000_000_000n, max: 4_102_444_800_000_000_000n }), (nanos) => {
      const request = { resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: nanos.toString(), body: { stringValue: "x" } }] }] }] }
      expect(otlpToRecords(request, 0).records[0]!.timestamp).toBe(Number(nanos / 1_000_000n))
    }),
    { numRuns: 300 }
  )
})
