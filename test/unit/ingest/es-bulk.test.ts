import { describe, expect, test } from "bun:test"
import { loadConfig } from "../../../src/config.ts"
import { ulidTime } from "../../../src/domain/ulid.ts"
import { bulkFieldMap, decodeBulk, MalformedBulk } from "../../../src/ingest/es-bulk/decode.ts"

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

  test("action lines as Elasticsearch reads them: keys beside the action and unknown parameters are ignored", () => {
    const items = decodeBulk(
      body(
        { index: { _index: "logs-2026.12.07", pipeline: "p" }, attempts: 0 },
        { message: "winston" },
        { index: { _index: "x", _type: "events", require_alias: false, op_type: "create" } },
        { message: "create by op_type" },
        { create: { _index: "y", routing: "r" } },
        { message: "plain create" }
      ),
      undefined,
      bulkFieldMap(loadConfig({})),
      NOW
    )
    expect(items.map((i) => [i.action, i.index, i.record?.service])).toEqual([
      ["index", "logs-2026.12.07", "logs"],
      ["create", "x", "x"],
      ["create", "y", "y"]
    ])
  })

  test("an action line with no action or two of them is malformed", () => {
    const fields = bulkFieldMap(loadConfig({}))
    expect(() => decodeBulk(body({ pipeline: "p" }, {}), undefined, fields, NOW)).toThrow(MalformedBulk)
    expect(() => decodeBulk(body({ index: {}, create: {} }, {}), undefined, fields, NOW)).toThrow("exactly one of")
  })

  test("a non-ULID _id gives the same record id for the same index, _id and time, and is kept as es.id", () => {
    const fields = bulkFieldMap(loadConfig({}))
    const doc = { "@timestamp": "2026-12-07T10:00:00Z", message: "m" }
    const once = decodeBulk(body({ create: { _index: "a", _id: "order-42" } }, doc), undefined, fields, NOW)[0]!.record!
    const again = decodeBulk(body({ index: { _index: "a", _id: "order-42" } }, doc), undefined, fields, NOW + 5_000)[0]!.record!
    const elsewhere = decodeBulk(body({ index: { _index: "b", _id: "order-42" } }, doc), undefined, fields, NOW)[0]!.record!
    expect(once.id).toBe(again.id)
    expect(elsewhere.id).not.toBe(once.id)
    expect(ulidTime(once.id)).toBe(Date.parse("2026-12-07T10:00:00Z"))
    expect(once.attributes["es.id"]).toBe("order-42")
  })

  test("documents as pino-elasticsearch, winston-elasticsearch and rsyslog's template write them", () => {
    const fields = bulkFieldMap(loadConfig({}))
    const [pino, winston, rsyslog] = decodeBulk(
      body(
        { index: { _index: "pino" } },
        { level: 40, time: "2026-12-07T10:00:00.123Z", pid: 9, hostname: "h1", name: "cart", msg: "slow", trace_id: "t1" },
        { index: { _index: "logs-2026.12.07" }, attempts: 0 },
        { "@timestamp": "2026-12-07T10:00:00.123Z", message: "paid", severity: "warn", fields: { service: "billing", host: "h2", order: 7 } },
        { index: { _index: "system", _type: "events" } },
        { timestamp: "2026-12-07T10:00:00.123+00:00", message: " disk full", host: "h3", severity: "crit", facility: "daemon", syslogtag: "diskd[77]:" }
      ),
      undefined,
      fields,
      NOW
    )
    const t = Date.parse("2026-12-07T10:00:00.123Z")
    expect(pino!.record).toMatchObject({ service: "cart", level: "WARN", timestamp: t, host: "h1", message: "slow", trace_id: "t1", attributes: { pid: 9 } })
    expect(winston!.record).toMatchObject({ service: "billing", level: "WARN", timestamp: t, host: "h2", message: "paid", attributes: { "fields.order": 7 } })
    expect(rsyslog!.record).toMatchObject({
      service: "diskd",
      level: "FATAL",
      timestamp: t,
      host: "h3",
      message: "disk full",
      attributes: { facility: "daemon", "syslog.procid": "77", "es.index": "system" }
    })
  })
})
