import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { Client, HttpConnection } from "elasticsearch-client-8"
import { counterValue, createIngestKey, eventually, searchLogs } from "../support/ingest.ts"
import { freePort, json, useServer } from "../support/server-process.ts"
import { requireProgram } from "../support/programs.ts"
import { sendTcpLines, type ForegroundDaemon } from "../support/foreground-daemon.ts"
import { startSyslogNg, syslogNgPath } from "../support/syslog-ng.ts"
import { expectShipped, nodePresent, runClient } from "../support/node-clients.ts"
import { startRsyslog, useClient } from "../support/clients.ts"

const server = useServer(() => ({ env: { REQUIRE_AUTH_FOR_INGEST: "true" } }))

const bulk = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${server().url}${path}`, { method: "POST", headers: { "content-type": "application/x-ndjson", ...headers }, body })
const ndjson = (...lines: ReadonlyArray<unknown>) => `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`

/** RFC 5424 lines as an application would hand them to syslog-ng (PRI 11 = user.err, 12 = user.warning, 14 = user.info). */
const syslogLines = (app: string) => [
  `<11>1 2026-11-29T10:00:00Z web-3 ${app} 4242 ID47 [order@32473 id="42"] card declined for order 42`,
  `<12>1 2026-11-29T10:00:01Z web-3 ${app} 4242 - - retrying payment`,
  `<14>1 2026-11-29T10:00:02Z web-3 ${app} 4242 - - payment accepted`
]

const expectSyslogRecords = async (service: string) => {
  const logs = await eventually(
    () => searchLogs(server().url, { service }),
    (l) => l.length >= 3
  )
  expect(logs.map((l) => [l.level, l.message, l.timestamp, l.host])).toEqual([
    ["INFO", "payment accepted", "2026-11-29T10:00:02.000Z", "web-3"],
    ["WARN", "retrying payment", "2026-11-29T10:00:01.000Z", "web-3"],
    ["ERROR", "card declined for order 42", "2026-11-29T10:00:00.000Z", "web-3"]
  ])
  return logs
}

describe("Elasticsearch _bulk from syslog-ng's Elasticsearch and HTTP destinations", () => {
  const present = requireProgram("syslog-ng", syslogNgPath, "apt-get install syslog-ng-core syslog-ng-mod-http syslog-ng-scl")
  let syslogNg: ForegroundDaemon | undefined
  let esSourcePort = 0
  let httpSourcePort = 0
  beforeAll(async () => {
    if (!present) return
    const key = await createIngestKey(server().url)
    esSourcePort = freePort()
    httpSourcePort = freePort()
    // elasticsearch-http() with its default document template (syslog-ng's RFC 5424 names) and
    // Basic auth carrying the API key; http() with an ECS document and the key in X-API-Key.
    syslogNg = await startSyslogNg(
      `
source s_es { network(ip("127.0.0.1") port(${esSourcePort}) transport("tcp") flags(syslog-protocol)); };
source s_http { network(ip("127.0.0.1") port(${httpSourcePort}) transport("tcp") flags(syslog-protocol)); };
destination d_es { elasticsearch-http(url("${server().url}/es/_bulk") index("syslog-ng") type("") user("shipper") password("${key}") batch-lines(10) batch-timeout(200)); };
destination d_http {
  http(url("${server().url}/_bulk") method("POST") headers("Content-Type: application/x-ndjson", "X-API-Key: ${key}")
       batch-lines(10) batch-timeout(200) body-suffix("\\n")
       body("{\\"create\\":{\\"_index\\":\\"ecs-logs\\"}}\\n$(format-json @timestamp=\${ISODATE} message=\${MSG} log.level=\${LEVEL} service.name=\${PROGRAM} host.name=\${HOST} process.pid=int(\${PID}) labels.env=prod)"));
};
log { source(s_es); destination(d_es); flags(flow-control); };
log { source(s_http); destination(d_http); flags(flow-control); };`,
      httpSourcePort
    )
  })
  afterAll(async () => {
    await syslogNg?.stop()
  })

  test.skipIf(!present)("elasticsearch-http() ships syslog messages that are searchable with service, level, time, host and structured data", async () => {
    await sendTcpLines(esSourcePort, syslogLines("billing"))
    const logs = await expectSyslogRecords("billing")
    expect(logs[2].attributes).toMatchObject({ "es.index": "syslog-ng", PID: "4242", MSGID: "ID47", FACILITY: "user" })
    expect(Object.entries(logs[2].attributes)).toContainEqual(["_SDATA.order@32473.id", "42"])
    expect(await counterValue(server().url, "ingest_records_total", { protocol: "bulk", result: "accepted" })).toBeGreaterThanOrEqual(3)
  })

  test.skipIf(!present)("http() with an ECS document pointed at /_bulk ships the same records under ECS names", async () => {
    await sendTcpLines(httpSourcePort, syslogLines("ledger"))
    const logs = await expectSyslogRecords("ledger")
    expect(logs[2].attributes).toMatchObject({ "es.index": "ecs-logs", "process.pid": 4242, "labels.env": "prod" })
  })
})

describe("Elasticsearch _bulk from the official Elasticsearch JavaScript client", () => {
  // Its default connection is built on undici's pool, which Bun does not run; its HTTP one works.
  const client = async () => new Client({ node: `${server().url}/es`, Connection: HttpConnection, auth: { apiKey: await createIngestKey(server().url) } })

  test("it accepts /es as an Elasticsearch 8 cluster and its bulk helper ships documents", async () => {
    const es = await client()
    const info = await es.info()
    expect(info.version.number).toMatch(/^8\./)
    const result = await es.helpers.bulk({
      datasource: [
        { "@timestamp": "2026-11-29T12:00:00Z", message: "order 42 shipped", "log.level": "info", service: { name: "es-client" }, order: { id: 42 } },
        { "@timestamp": "2026-11-29T12:00:01Z", message: "order 43 lost", "log.level": "error", service: { name: "es-client" } }
      ],
      onDocument: () => ({ create: { _index: "orders" } })
    })
    expect(result).toMatchObject({ total: 2, successful: 2, failed: 0 })
    const logs = await searchLogs(server().url, { service: "es-client" })
    expect(logs.map((l) => [l.level, l.message, l.timestamp])).toEqual([
      ["ERROR", "order 43 lost", "2026-11-29T12:00:01.000Z"],
      ["INFO", "order 42 shipped", "2026-11-29T12:00:00.000Z"]
    ])
    expect(logs[1].attributes).toMatchObject({ "es.index": "orders", "order.id": 42 })
  })

  test("its bulk call reads per-item failures", async () => {
    const es = await client()
    const response = await es.bulk({
      operations: [
        { index: { _index: "app" } },
        { message: "fine", service: { name: "es-client-items" } },
        { create: { _index: "app" } },
        { "@timestamp": "not a date", message: "bad" }
      ]
    })
    expect(response.errors).toBe(true)
    expect(response.items.map((item) => Object.values(item)[0]!.status)).toEqual([201, 400])
    expect(response.items[1]!.create!.error!.type).toBe("mapper_parsing_exception")
  })
})

describe("Elasticsearch _bulk semantics", () => {
  test("per-item results: stored items are 201, bad documents and unsupported actions fail alone", async () => {
    const key = await createIngestKey(server().url)
    const response = await bulk(
      "/es/web/_bulk",
      ndjson(
        { index: {} },
        {
          "@timestamp": "2026-11-29T11:00:00Z",
          message: "GET /cart 502",
          log: { level: "error" },
          service: { name: "nginx-bulk" },
          http: { response: { status_code: 502 } }
        },
        { create: { _index: "other" } },
        { message: "no level, no service, no time" },
        { index: {} },
        { "@timestamp": "yesterday-ish", message: "bad time" },
        { update: { _id: "1" } },
        { doc: { message: "x" } },
        { delete: { _id: "1" } }
      ),
      { "x-api-key": key }
    )
    expect(response.status).toBe(200)
    expect(response.headers.get("x-elastic-product")).toBe("Elasticsearch")
    const body = await json(response)
    expect(body.errors).toBe(true)
    expect(body.items.map((i: Record<string, { status: number }>) => [Object.keys(i)[0], Object.values(i)[0]!.status])).toEqual([
      ["index", 201],
      ["create", 201],
      ["index", 400],
      ["update", 400],
      ["delete", 400]
    ])
    expect(body.items[2].index.error.type).toBe("mapper_parsing_exception")
    expect(body.items[2].index.error.reason).toContain("@timestamp")

    const [stored] = await searchLogs(server().url, { service: "nginx-bulk" })
    expect(stored).toMatchObject({
      level: "ERROR",
      message: "GET /cart 502",
      timestamp: "2026-11-29T11:00:00.000Z",
      attributes: { "es.index": "web", "http.response.status_code": 502 }
    })
    expect(body.items[0].index._id).toBe(stored.id)
    // No service field: the index names the service.
    expect((await searchLogs(server().url, { service: "other" })).map((l) => [l.level, l.message])).toEqual([["INFO", "no level, no service, no time"]])
    expect(await counterValue(server().url, "ingest_records_total", { protocol: "bulk", result: "rejected" })).toBeGreaterThanOrEqual(3)
  })

  test("a resent item with the same ULID _id is stored once", async () => {
    const key = await createIngestKey(server().url)
    const id = "01KB0000000000000000000042"
    const body = ndjson({ create: { _index: "retry", _id: id } }, { message: "sent twice", service: { name: "bulk-retry" } })
    for (let i = 0; i < 2; i++)
      expect((await json(bulk("/_bulk", body, { authorization: `ApiKey ${Buffer.from(`id:${key}`).toString("base64")}` }))).items[0].create._id).toBe(id)
    expect((await searchLogs(server().url, { service: "bulk-retry" })).map((l) => l.id)).toEqual([id])
  })

  test("start-up probes are answered like Elasticsearch; GET / stays LogFlow's", async () => {
    const info = await json(fetch(`${server().url}/es`))
    expect(info.version.number).toMatch(/^8\./)
    expect(info.tagline).toBe("You Know, for Search")
    expect((await fetch(`${server().url}/es/`, { method: "HEAD" })).status).toBe(200)
    expect((await json(fetch(`${server().url}/es/_license`))).license.status).toBe("active")
    expect((await fetch(`${server().url}/es/_index_template/filebeat-8.17.0`, { method: "HEAD" })).status).toBe(200)
    expect(await json(fetch(`${server().url}/es/_ilm/policy/filebeat`, { method: "PUT", body: "{}" }))).toEqual({ acknowledged: true })
    expect((await fetch(`${server().url}/es/logs-2026.11.30`, { method: "HEAD" })).status).toBe(200)
    expect((await json(fetch(`${server().url}/es/logs-2026.11.30`, { method: "PUT", body: "{}" }))).acknowledged).toBe(true)
    expect((await json(fetch(`${server().url}/`))).name).toBe("LogFlow")
  })

  test("the same auth and input checks as /api/v1/logs, answered in Elasticsearch's error body; a malformed action line fails the request", async () => {
    const key = await createIngestKey(server().url)
    const one = ndjson({ index: {} }, { message: "x" })
    expect((await bulk("/_bulk", one)).status).toBe(401)
    expect((await bulk("/_bulk", one, { authorization: `Basic ${Buffer.from("elastic:changeme").toString("base64")}` })).status).toBe(401)
    const malformed = await bulk("/_bulk", '{"index":{}\n{}\n', { "x-api-key": key })
    expect(malformed.status).toBe(400)
    expect(malformed.headers.get("x-elastic-product")).toBe("Elasticsearch")
    const error = (await json(malformed)).error
    expect(error.type).toBe("illegal_argument_exception")
    expect(error.reason).toContain("action/metadata line [1]")
    expect((await bulk("/_bulk", '{"index":{}}\n', { "x-api-key": key })).status).toBe(400)
    expect((await bulk("/_bulk", "\n", { "x-api-key": key })).status).toBe(400)
  })
})

describe("Elasticsearch write semantics: identity by _id, single documents, refresh", () => {
  test("extra keys in an action line (winston-elasticsearch's `attempts`) and unknown parameters are accepted", async () => {
    const key = await createIngestKey(server().url)
    const response = await bulk(
      "/es/_bulk",
      ndjson(
        { index: { _index: "logs-2026.12.07", pipeline: null }, attempts: 0 },
        { message: "extra key", severity: "warn", fields: { service: "extras" } },
        { create: { _index: "extras", _type: "events", require_alias: false } },
        { message: "unknown parameters", service: "extras" }
      ),
      { "x-api-key": key }
    )
    expect((await json(response)).items.map((i: Record<string, { status: number }>) => Object.values(i)[0]!.status)).toEqual([201, 201])
    expect((await searchLogs(server().url, { service: "extras" })).map((l) => [l.level, l.message])).toEqual([
      ["INFO", "unknown parameters"],
      ["WARN", "extra key"]
    ])
  })

  test("a create of a stored non-ULID _id is a 409 item, an index of it a noop; the document is stored once", async () => {
    const key = await createIngestKey(server().url)
    const doc = { "@timestamp": "2026-12-07T09:00:00Z", message: "order 42 paid", service: "ids" }
    const first = await json(bulk("/es/_bulk", ndjson({ create: { _index: "orders", _id: "order-42" } }, doc), { "x-api-key": key }))
    expect(first.items[0].create).toMatchObject({ _id: "order-42", status: 201, result: "created" })
    const again = await json(
      bulk(
        "/es/_bulk",
        ndjson(
          { create: { _index: "orders", _id: "order-42" } },
          doc,
          { index: { _index: "orders", _id: "order-42" } },
          doc,
          { create: { _index: "orders", _id: "order-43" } },
          { ...doc, message: "order 43 paid" },
          { create: { _index: "orders", _id: "order-43" } },
          { ...doc, message: "order 43 paid" }
        ),
        { "x-api-key": key }
      )
    )
    expect(again.errors).toBe(true)
    expect(again.items.map((i: Record<string, { status: number; result?: string; error?: { type: string } }>) => Object.values(i)[0])).toMatchObject([
      { status: 409, error: { type: "version_conflict_engine_exception" } },
      { status: 200, result: "noop" },
      { status: 201, result: "created" },
      { status: 409, error: { type: "version_conflict_engine_exception" } }
    ])
    const stored = await searchLogs(server().url, { service: "ids" })
    expect(stored.map((l) => [l.message, l.attributes["es.id"]])).toEqual([
      ["order 43 paid", "order-43"],
      ["order 42 paid", "order-42"]
    ])
    expect(await counterValue(server().url, "ingest_records_total", { protocol: "bulk", result: "duplicate" })).toBeGreaterThanOrEqual(1)
  })

  test("the official client's index, create and refresh calls: 201, then 409 for a second create", async () => {
    const es = new Client({ node: `${server().url}/es`, Connection: HttpConnection, auth: { apiKey: await createIngestKey(server().url) } })
    const document = {
      "@timestamp": "2026-12-07T09:30:00.250Z",
      message: "single write",
      "log.level": "error",
      service: { name: "es-single" },
      host: { name: "h9" }
    }
    const indexed = await es.index({ index: "single", document })
    expect(indexed).toMatchObject({ result: "created", _index: "single" })
    expect(await es.create({ index: "single", id: "receipt-7", document: { ...document, message: "created once" } })).toMatchObject({
      result: "created",
      _id: "receipt-7"
    })
    const conflict = await es.create({ index: "single", id: "receipt-7", document: { ...document, message: "created once" } }).catch((e) => e)
    expect(conflict.meta?.statusCode).toBe(409)
    expect(conflict.body.error.type).toBe("version_conflict_engine_exception")
    expect(await es.index({ index: "single", id: "receipt-7", document: { ...document, message: "created once" } })).toMatchObject({ result: "noop" })
    expect(await es.indices.refresh({ index: "single" })).toMatchObject({ _shards: { failed: 0 } })
    expect(await es.indices.refresh()).toMatchObject({ _shards: { failed: 0 } })
    expect(await es.indices.flush({ index: "single" })).toMatchObject({ _shards: { failed: 0 } })
    const logs = await searchLogs(server().url, { service: "es-single" })
    expect(logs.map((l) => [l.message, l.level, l.host, l.timestamp]).sort()).toEqual([
      ["created once", "ERROR", "h9", "2026-12-07T09:30:00.250Z"],
      ["single write", "ERROR", "h9", "2026-12-07T09:30:00.250Z"]
    ])
  })

  test("single-document writes by hand: _doc, _create and the typed form answer as Elasticsearch does", async () => {
    const key = await createIngestKey(server().url)
    const put = (method: string, path: string, body: unknown) =>
      fetch(`${server().url}${path}`, { method, headers: { "content-type": "application/json", "x-api-key": key }, body: JSON.stringify(body) })
    const doc = { timestamp: "2026-12-07T08:00:00Z", msg: "by hand", level: 30, app: "by-hand" }
    const posted = await put("POST", "/es/hand/_doc", doc)
    expect(posted.status).toBe(201)
    expect(posted.headers.get("x-elastic-product")).toBe("Elasticsearch")
    expect(await json(posted)).toMatchObject({ _index: "hand", result: "created", _version: 1 })
    expect((await put("PUT", "/es/hand/_create/a1", doc)).status).toBe(201)
    const refused = await put("POST", "/es/hand/_create/a1", doc)
    expect(refused.status).toBe(409)
    expect(await json(refused)).toMatchObject({ status: 409, error: { type: "version_conflict_engine_exception", root_cause: [{ index: "hand" }] } })
    expect((await put("PUT", "/es/hand/_doc/a1?op_type=create", doc)).status).toBe(409)
    expect((await put("PUT", "/es/hand/_doc/a1", doc)).status).toBe(200)
    expect((await put("POST", "/es/hand/events", { ...doc, msg: "typed" })).status).toBe(201)
    const bad = await put("POST", "/es/hand/_doc", { ...doc, timestamp: "later" })
    expect(bad.status).toBe(400)
    expect((await json(bad)).error.type).toBe("mapper_parsing_exception")
    expect((await put("POST", "/es/hand/_nothing", doc)).status).toBe(404)
    for (const path of ["/es/_refresh", "/es/hand/_refresh", "/es/_flush", "/es/hand/_flush", "/_refresh"])
      for (const method of ["GET", "POST"]) expect((await fetch(`${server().url}${path}`, { method, headers: { "x-api-key": key } })).status).toBe(200)
    const logs = await searchLogs(server().url, { service: "by-hand" })
    expect(logs.map((l) => [l.message, l.level])).toEqual([
      ["typed", "INFO"],
      ["by hand", "INFO"],
      ["by hand", "INFO"]
    ])
    expect((await fetch(`${server().url}/es/hand/_doc`, { method: "POST", body: "{}" })).status).toBe(401)
  })
})

describe("pino with pino-elasticsearch and winston with winston-elasticsearch, at their defaults", () => {
  const present = nodePresent()

  test.skipIf(!present)("pino-elasticsearch: every line searchable with its service, level, time, host, trace ids and fields", async () => {
    const run = crypto.randomUUID().slice(0, 8)
    const sent = await runClient("pino-elasticsearch", { url: server().url, key: await createIngestKey(server().url), service: "pino-es", run })
    const logs = await searchLogs(server().url, { service: "pino-es" })
    expectShipped(logs, sent)
    expect(logs[0].attributes).toMatchObject({ "es.index": "pino", pid: expect.any(Number) })
  })

  test.skipIf(!present)("winston-elasticsearch: the same, its metadata under `fields`", async () => {
    const run = crypto.randomUUID().slice(0, 8)
    const sent = await runClient("winston-elasticsearch", { url: server().url, key: await createIngestKey(server().url), service: "winston-es", run })
    const logs = await searchLogs(server().url, { service: "winston-es" })
    expectShipped(logs, sent, "fields.")
    expect(logs[0].attributes["es.index"]).toMatch(/^logs-\d{4}\.\d{2}\.\d{2}$/)
  })
})

describe("rsyslog's omelasticsearch with its documented template", () => {
  const home = useClient("rsyslog")
  const present = home !== undefined
  let rsyslog: ForegroundDaemon | undefined
  let singlePort = 0
  let bulkPort = 0
  beforeAll(async () => {
    if (!present) return
    const key = await createIngestKey(server().url)
    singlePort = freePort()
    bulkPort = freePort()
    // The template as rsyslog's omelasticsearch documentation gives it; one action with the
    // module's defaults (a request per message), one in bulk mode, each fed by its own input.
    rsyslog = await startRsyslog(
      home!,
      () => `
module(load="imtcp")
module(load="omelasticsearch")
template(name="testTemplate" type="list" option.json="on") {
  constant(value="{")
    constant(value="\\"timestamp\\":\\"")      property(name="timereported" dateFormat="rfc3339")
    constant(value="\\",\\"message\\":\\"")     property(name="msg")
    constant(value="\\",\\"host\\":\\"")        property(name="hostname")
    constant(value="\\",\\"severity\\":\\"")    property(name="syslogseverity-text")
    constant(value="\\",\\"facility\\":\\"")    property(name="syslogfacility-text")
    constant(value="\\",\\"syslogtag\\":\\"")   property(name="syslogtag")
  constant(value="\\"}")
}
ruleset(name="single") { action(type="omelasticsearch" server="${server().url}/es" template="testTemplate" uid="shipper" pwd="${key}") }
ruleset(name="bulk") { action(type="omelasticsearch" server="${server().url}/es" template="testTemplate" uid="shipper" pwd="${key}" bulkmode="on") }
input(type="imtcp" address="127.0.0.1" port="${singlePort}" ruleset="single")
input(type="imtcp" address="127.0.0.1" port="${bulkPort}" ruleset="bulk")`,
      bulkPort
    )
  })
  afterAll(async () => {
    await rsyslog?.stop()
  })

  /** RFC 3164 lines with a `[pid]` tag, as an application hands them over; their time is this second (in UTC, rsyslogd's zone here). */
  const send = async (port: number, app: string) => {
    const now = new Date(Math.floor(Date.now() / 1000) * 1000)
    const stamp = `${now.toUTCString().slice(8, 11)} ${String(now.getUTCDate()).padStart(2, " ")} ${now.toISOString().slice(11, 19)}`
    await sendTcpLines(port, [`<155>${stamp} web-3 ${app}[4242]: card declined`, `<156>${stamp} web-3 ${app}[4242]: retrying payment`])
    return now.toISOString()
  }

  for (const [mode, port] of [
    ["its default, one request per message", () => singlePort],
    ["bulk mode", () => bulkPort]
  ] as const) {
    test.skipIf(!present)(`${mode}: service from the program name, host from the hostname, level, time and facility`, async () => {
      const app = `rs-${mode.startsWith("bulk") ? "bulk" : "single"}`
      const at = await send(port(), app)
      const logs = await eventually(
        () => searchLogs(server().url, { service: app }),
        (l) => l.length >= 2
      )
      expect(logs.map((l) => [l.message, l.level, l.host, l.timestamp]).sort()).toEqual([
        ["card declined", "ERROR", "web-3", at],
        ["retrying payment", "WARN", "web-3", at]
      ])
      expect(logs[0].attributes).toMatchObject({ facility: "local3", "syslog.procid": "4242", "es.index": "system" })
    })
  }
})
