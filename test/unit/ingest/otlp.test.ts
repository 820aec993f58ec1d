import { describe, expect, test } from "bun:test"
import { otlpToRecords } from "../../../src/ingest/otlp/decode.ts"

const NOW = Date.parse("2026-11-30T12:00:00Z")
const request = (logRecords: ReadonlyArray<unknown>, resource: ReadonlyArray<unknown> = [{ key: "service.name", value: { stringValue: "svc" } }]) => ({
  resourceLogs: [{ resource: { attributes: resource }, scopeLogs: [{ logRecords }] }]
})

describe("OTLP log mapping", () => {
  test.each([
    [1, "TRACE"],
    [5, "DEBUG"],
    [9, "INFO"],
    [12, "INFO"],
    [13, "WARN"],
    [17, "ERROR"],
    [21, "FATAL"],
    [24, "FATAL"]
  ])("severityNumber %d is %s", (severityNumber, level) => {
    expect(otlpToRecords(request([{ severityNumber, body: { stringValue: "m" } }]), NOW).records[0]!.level).toBe(level as never)
  })

  test("severityText decides when the number is unspecified; an unknown text is kept as an attribute", () => {
    const { records } = otlpToRecords(
      request([
        { severityText: "Warning", body: { stringValue: "a" } },
        { severityText: "Chatty", body: { stringValue: "b" } }
      ]),
      NOW
    )
    expect(records.map((r) => [r.level, r.attributes.severity_text])).toEqual([
      ["WARN", "Warning"],
      ["INFO", "Chatty"]
    ])
  })

  test("any-values: big ints stay text, arrays and maps flatten, bytes are base64; no service.name gives unknown_service", () => {
    const [record] = otlpToRecords(
      request(
        [
          {
            timeUnixNano: "0",
            observedTimeUnixNano: "1795946400000000000",
            body: { kvlistValue: { values: [{ key: "k", value: { intValue: "9007199254740993" } }] } },
            attributes: [
              { key: "list", value: { arrayValue: { values: [{ stringValue: "a" }, { intValue: 2 }] } } },
              { key: "map", value: { kvlistValue: { values: [{ key: "inner", value: { boolValue: false } }] } } },
              { key: "raw", value: { bytesValue: "AQI=" } }
            ]
          }
        ],
        []
      ),
      NOW
    ).records
    expect(record).toMatchObject({
      service: "unknown_service",
      message: '{"k":"9007199254740993"}',
      timestamp: 1795946400000,
      attributes: { list: '["a",2]', "map.inner": false, raw: "AQI=" }
    })
  })
})
