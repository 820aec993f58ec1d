import { describe, expect, test } from "bun:test"
import { loadConfig } from "../../../src/config.ts"
import { bulkFieldMap, decodeBulk } from "../../../src/ingest/es-bulk/decode.ts"

const NOW = Date.parse("2026-11-30T12:00:00Z")
const body = (...lines: ReadonlyArray<unknown>) => `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`

describe("Elasticsearch bulk decoding", () => {
  test("ECS fields nested or dotted map to the record; the rest are flattened attributes", () => {
    const [nested, dotted] = decodeBulk(
      body(
        { index: { _index: "web" } },
        {
          "@timestamp": "2026-11-29T10:00:00Z",
          message: "GET /",
          log: { level: "warn" },
          service: { name: "nginx" },
          host: { name: "h1" },
          trace: { id: "abc" },
          http: { status: 200 },
          tags: ["a", "b"]
        },
        { create: {} },
        { "@timestamp": 1795946400000, message: "x", "log.level": "crit", "service.name": "api" }
      ),
      undefined,
      bulkFieldMap(loadConfig({})),
      NOW
    )
    expect(nested!.record).toMatchObject({
      service: "nginx",
      level: "WARN",
      host: "h1",
      trace_id: "abc",
      timestamp: Date.parse("2026-11-29T10:00:00Z"),
      attributes: { "es.index": "web", "http.status": 200, tags: '["a","b"]' }
    })
    expect(dotted!.record).toMatchObject({ service: "api", level: "FATAL", timestamp: 1795946400000, attributes: { "es.index": "logs" } })
  })

  test("an unknown level is kept as an attribute instead of refusing the document", () => {
    const [item] = decodeBulk(body({ index: {} }, { message: "m", log: { level: "audit" } }), "idx", bulkFieldMap(loadConfig({})), NOW)
    expect(item!.record).toMatchObject({ service: "idx", level: "INFO", attributes: { "log.level": "audit" } })
  })

  test("the field mapping is configurable with ES_FIELD_* (first present candidate wins)", () => {
    const fields = bulkFieldMap(
      loadConfig({
        ES_FIELD_MESSAGE: "event.original, msg",
        ES_FIELD_SERVICE: "kubernetes.container.name",
        ES_FIELD_LEVEL: "sev",
        ES_FIELD_TIMESTAMP: "ts",
        ES_FIELD_HOST: "node"
      })
    )
    const [item] = decodeBulk(
      body(
        { index: {} },
        { event: { original: "raw line" }, msg: "other", kubernetes: { container: { name: "cart" } }, sev: "E", ts: "2026-11-29T10:00:00Z", node: "n1" }
      ),
      undefined,
      fields,
      NOW
    )
    expect(item!.record).toMatchObject({
      service: "cart",
      message: "raw line",
      host: "n1",
      timestamp: Date.parse("2026-11-29T10:00:00Z"),
      attributes: { msg: "other", sev: "E" }
    })
  })

  test("a document without a message field is kept whole as the message", () => {
    const [item] = decodeBulk(body({ index: {} }, { user: "ann", action: "login" }), "audit", bulkFieldMap(loadConfig({})), NOW)
    expect(item!.record!.message).toBe('{"user":"ann","action":"login"}')
  })
})
