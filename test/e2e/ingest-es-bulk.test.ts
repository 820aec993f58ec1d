import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { Client, HttpConnection } from "elasticsearch-client-8"
import { counterValue, createIngestKey, eventually, searchLogs } from "../support/ingest.ts"
import { freePort, json, useServer } from "../support/server-process.ts"
import { requireProgram } from "../support/programs.ts"
import { sendTcpLines, type ForegroundDaemon } from "../support/foreground-daemon.ts"
import { startSyslogNg, syslogNgPath } from "../support/syslog-ng.ts"

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

  test("the same auth and input errors as /api/v1/logs; a malformed action line fails the request", async () => {
    const key = await createIngestKey(server().url)
    const one = ndjson({ index: {} }, { message: "x" })
    expect((await bulk("/_bulk", one)).status).toBe(401)
    expect((await bulk("/_bulk", one, { authorization: `Basic ${Buffer.from("elastic:changeme").toString("base64")}` })).status).toBe(401)
    const malformed = await bulk("/_bulk", '{"index":{}\n{}\n', { "x-api-key": key })
    expect(malformed.status).toBe(400)
    expect((await json(malformed)).message).toContain("action/metadata line [1]")
    expect((await bulk("/_bulk", '{"index":{}}\n', { "x-api-key": key })).status).toBe(400)
    expect((await bulk("/_bulk", "\n", { "x-api-key": key })).status).toBe(400)
  })
})
