import { describe, expect, test } from "bun:test"
import fc from "fast-check"
import { loadConfig } from "../../../src/config.ts"
import { bulkFieldMap, decodeBulk, MalformedBulk } from "../../../src/ingest/es-bulk/decode.ts"
import { MalformedLoki, lokiToRecords } from "../../../src/ingest/loki/decode.ts"
import { MalformedOtlp, otlpToRecords } from "../../../src/ingest/otlp/decode.ts"
import { otlpProtobufToRecords } from "../../../src/ingest/otlp/wire.ts"
import { SyslogFramer } from "../../../src/ingest/syslog/framer.ts"
import { parseSyslog } from "../../../src/ingest/syslog/parse.ts"

/** Property tests: whatever a shipper (or an attacker posing as one) sends, each decoder answers with records or its own error. */

const NOW = Date.parse("2026-11-30T12:00:00Z")
const SYSLOG_PIECES = [
  "<",
  ">",
  "13",
  "191",
  "999",
  "1",
  " ",
  "-",
  "[",
  "]",
  "=",
  '"',
  "\\",
  "2026-11-30T10:00:00Z",
  "Oct 11 22:14:15",
  "app[12]:",
  "é",
  "\n",
  "\uFEFF",
  "x@1"
]

describe("shipper decoders under hostile input", () => {
  test("any line parses as syslog, and the framer's frames never exceed the limit", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.array(fc.constantFrom(...SYSLOG_PIECES), { maxLength: 80 }).map((p) => p.join(""))
        ),
        (line) => {
          const record = parseSyslog(line, NOW)
          expect(typeof record.service).toBe("string")
          expect(typeof record.message).toBe("string")
          // Each received byte decodes to at most one UTF-16 unit, so a frame of at most 64 bytes has at most 64.
          const framer = new SyslogFramer(64)
          for (const frame of [...framer.push(new TextEncoder().encode(line)), ...framer.end()]) expect(frame.text.length).toBeLessThanOrEqual(64)
        }
      ),
      { numRuns: 3000 }
    )
  })

  test("any bulk body decodes into items or fails as a malformed bulk request", () => {
    const fields = bulkFieldMap(loadConfig({}))
    const lines = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.json({ maxDepth: 3 }),
      fc.constantFrom('{"index":{}}', '{"create":{"_index":"x","_id":"01KB0000000000000000000042"}}', '{"delete":{}}', '{"update":{}}')
    )
    fc.assert(
      fc.property(fc.array(lines, { maxLength: 20 }), (parts) => {
        try {
          for (const item of decodeBulk(parts.join("\n"), undefined, fields, NOW)) expect(item.record !== undefined || item.error !== undefined).toBe(true)
        } catch (e) {
          expect(e).toBeInstanceOf(MalformedBulk)
        }
      }),
      { numRuns: 2000 }
    )
  })

  test("any JSON maps to OTLP and Loki records or fails with their own error", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        for (const [decode, own] of [
          [otlpToRecords, MalformedOtlp],
          [lokiToRecords, MalformedLoki]
        ] as const) {
          try {
            decode(value, NOW)
          } catch (e) {
            expect(e).toBeInstanceOf(own)
          }
        }
        const wrapped = { resourceLogs: [{ scopeLogs: [{ logRecords: [value] }] }] }
        const batch = otlpToRecords(wrapped, NOW)
        expect(batch.records.length + batch.rejected).toBe(1)
      }),
      { numRuns: 2000 }
    )
  })

  test("any bytes decode as OTLP protobuf or fail as malformed", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          otlpProtobufToRecords(bytes, NOW)
        } catch (e) {
          expect(e).toBeInstanceOf(MalformedOtlp)
        }
      }),
      { numRuns: 3000 }
    )
  })
})
