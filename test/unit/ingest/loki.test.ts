import { describe, expect, test } from "bun:test"
import { compressSync } from "snappy"
import { decodeLokiProtobuf, lokiPushRequestType, parseLabelSet } from "../../../src/ingest/loki/protobuf.ts"
import { lokiToRecords } from "../../../src/ingest/loki/decode.ts"

const NOW = Date.parse("2026-11-30T12:00:00Z")

describe("Loki push decoding", () => {
  test("label sets in Prometheus text form, escapes included", () => {
    expect(parseLabelSet(`{level="error", app="api",msg="say \\"hi\\"\\n"}`)).toEqual({ level: "error", app: "api", msg: 'say "hi"\n' })
    expect(parseLabelSet("{}")).toEqual({})
    expect(() => parseLabelSet("app=api")).toThrow("are not a")
    expect(() => parseLabelSet(`{app="api" env="x"}`)).toThrow("are not a")
  })

  test("the first service label wins; an unknown level label is kept as an attribute", () => {
    const { records } = lokiToRecords({ streams: [{ stream: { job: "j", app: "a", level: "chatty" }, values: [["1795946400000000000", "x"]] }] }, NOW)
    expect(records[0]).toMatchObject({ service: "a", level: "INFO", timestamp: 1795946400000, attributes: { job: "j", level: "chatty" } })
  })

  test("a level in structured metadata wins over the stream's label; metadata become attributes", () => {
    const { records } = lokiToRecords(
      {
        streams: [
          {
            stream: { service_name: "api", level: "info" },
            values: [
              ["1795946400000000000", "boom", { level: "error", trace_id: "t1", span_id: "s1", tenant: "acme" }],
              ["1795946400000000000", "fine"],
              ["1795946400000000000", "numeric", { severity: "3" }]
            ]
          }
        ]
      },
      NOW
    )
    expect(records.map((r) => [r.message, r.level])).toEqual([
      ["boom", "ERROR"],
      ["fine", "INFO"],
      ["numeric", "ERROR"]
    ])
    expect(records[0]).toMatchObject({ service: "api", trace_id: "t1", span_id: "s1", attributes: { tenant: "acme" } })
    expect(records[0]!.attributes).not.toHaveProperty("level")
  })

  test("detected_level and the mapping's keys in label form (service_name, log_level, host_name)", () => {
    const { records } = lokiToRecords(
      { streams: [{ stream: { service_name: "web", detected_level: "WARN", host_name: "n1" }, values: [["1795946400000000000", "x"]] }] },
      NOW
    )
    expect(records[0]).toMatchObject({ service: "web", level: "WARN", host: "n1", attributes: {} })
  })

  test("a JSON line is mapped as a document; labels and metadata win over its keys", () => {
    const line = JSON.stringify({ level: 10, time: 1795946400000, pid: 3, msg: "hello", name: "from-line", req: { id: "r1" } })
    const { records } = lokiToRecords(
      {
        streams: [
          { stream: { hostname: "h1" }, values: [["1795946400000000000", line]] },
          { stream: { application: "labelled", level: "debug" }, values: [["1795946400000000000", line]] }
        ]
      },
      NOW
    )
    expect(records[0]).toMatchObject({ service: "from-line", level: "TRACE", host: "h1", message: "hello", attributes: { pid: 3, "req.id": "r1" } })
    expect(records[1]).toMatchObject({ service: "labelled", level: "DEBUG", message: "hello" })
    // Not a JSON object: the line is the message as it is.
    const plain = lokiToRecords({ streams: [{ stream: {}, values: [["1795946400000000000", "{not json"]] }] }, NOW)
    expect(plain.records[0]).toMatchObject({ service: "unknown_service", message: "{not json" })
  })

  test("structured metadata in a snappy protobuf push set the level and become attributes alike", () => {
    const type = lokiPushRequestType()
    const request = {
      streams: [
        {
          labels: '{service_name="pb", level="info"}',
          entries: [
            {
              timestamp: { seconds: 1795946400, nanos: 5_000_000 },
              line: "declined",
              structuredMetadata: [
                { name: "detected_level", value: "error" },
                { name: "order", value: "42" }
              ]
            }
          ]
        }
      ]
    }
    const body = compressSync(Buffer.from(type.encode(type.fromObject(request)).finish()))
    const { records } = lokiToRecords(decodeLokiProtobuf(new Uint8Array(body), 1 << 20), NOW)
    expect(records[0]).toMatchObject({ service: "pb", level: "ERROR", timestamp: 1795946400005, message: "declined", attributes: { order: "42" } })
  })
})
