import { describe, expect, test } from "bun:test"
import { connect } from "node:net"
import { chunkedNdjson } from "../support/ingest.ts"
import { json, useServer } from "../support/server-process.ts"

/** Hostile requests get a clear 4xx, inject nothing, and the server keeps serving. */

const server = useServer()

/** Sends bytes as they are, bypassing fetch's header validation; returns the raw response head. */
const rawRequest = (bytes: string) =>
  new Promise<string>((resolve, reject) => {
    const { hostname, port } = new URL(server().url)
    const socket = connect(Number(port), hostname, () => socket.write(bytes))
    let data = ""
    socket.on("data", (chunk) => {
      data += chunk.toString()
      if (data.includes("\r\n\r\n")) {
        socket.destroy()
        resolve(data.split("\r\n\r\n")[0]!)
      }
    })
    socket.on("error", reject)
  })

describe("hostile input", () => {
  test("a CRLF smuggled into X-Correlation-ID injects no header into the response", async () => {
    const head = await rawRequest("GET /health HTTP/1.1\r\nHost: x\r\nX-Correlation-ID: abc%0d%0aX-Injected: yes\r\nConnection: close\r\n\r\n")
    expect(head.toLowerCase()).not.toContain("x-injected")
    expect(head).toMatch(/^HTTP\/1.1 200/)
  })

  test.each([
    ["/api/v1/logs/search?limit=100000000000000000000", "limit"],
    ["/api/v1/logs/search?limit=-1", "limit"],
    ["/api/v1/logs/search?from=99999999999999999999", "from"],
    ["/api/v1/logs/search?to=9999999999999999", "to"],
    [`/api/v1/logs/search?query=${"(".repeat(100)}a`, "query"],
    [`/api/v1/logs/search?query=${"-".repeat(100)}a`, "query"],
    ["/api/v1/logs/..%2F..%2Fetc%2Fpasswd", "id"],
    ["/api/v1/logs/%00", "id"],
    ["/api/v1/metrics/timeseries?from=now-99999999d", "from"]
  ])("GET %s is a 400 naming %p", async (path, field) => {
    const response = await fetch(`${server().url}${path}`)
    expect(response.status).toBe(400)
    expect((await json(response)).message.startsWith(`${field}:`)).toBe(true)
  })

  test("path traversal in other path parameters finds nothing", async () => {
    expect((await fetch(`${server().url}/api/v1/metrics/service/..%2F..%2Fetc%2Fpasswd`)).status).toBe(404)
    expect((await fetch(`${server().url}/api/v1/auth/api-keys/..%2Fx`, { method: "DELETE" })).status).toBe(401)
    expect((await fetch(`${server().url}/../../etc/passwd`)).status).toBe(404)
  })

  test("invalid UTF-8, deep nesting and binary garbage in ingest are per-line errors or 400s, never 500s", async () => {
    const invalidUtf8 = Buffer.concat([Buffer.from('{"service":"s","message":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}\n')])
    const bodies: Array<BodyInit> = [
      invalidUtf8,
      "[".repeat(200_000) + "]".repeat(200_000),
      new Uint8Array(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)),
      JSON.stringify({ service: "s", message: "m", nested: JSON.parse(`${'{"a":'.repeat(100)}1${"}".repeat(100)}`) })
    ]
    for (const body of bodies) {
      const response = await fetch(`${server().url}/api/v1/logs`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body })
      expect([200, 400]).toContain(response.status)
      await response.text()
    }
    // The invalid bytes were replaced, not trusted: the line was stored as text.
    expect((await json(fetch(`${server().url}/api/v1/logs/search?service=s`))).total).toBeGreaterThanOrEqual(1)
  })

  test("a record nested tens of thousands of levels deep is rejected alone; the good lines beside it are stored", async () => {
    const deepArray = `${"[".repeat(50_000)}${"]".repeat(50_000)}`
    const good = (n: number) => JSON.stringify({ service: "deep-nesting", message: `good line ${n}` })
    const deep = [`{"service":"deep-nesting","message":"m","x":${deepArray}}`, `{"service":"deep-nesting","message":${deepArray}}`]
    const post = (contentType: string, body: string) =>
      fetch(`${server().url}/api/v1/logs`, { method: "POST", headers: { "content-type": contentType }, body }).then(async (r) => [r.status, await r.json()])

    const [ndjsonStatus, ndjson] = await post("application/x-ndjson", [good(1), ...deep, good(2)].join("\n"))
    expect(ndjsonStatus).toBe(200)
    expect(ndjson).toMatchObject({ accepted: 2, rejected: 2 })
    expect(ndjson.errors.map((e: { line: number; message: string }) => [e.line, e.message])).toEqual([
      [2, "attribute 'x' is nested deeper than 32 levels"],
      [3, "'message' is nested deeper than 32 levels"]
    ])
    const [arrayStatus, array] = await post("application/json", `[${good(3)},${deep[0]}]`)
    expect([arrayStatus, array.accepted, array.rejected]).toEqual([200, 1, 1])

    const bulk = [`{"index":{"_index":"deep"}}`, deep[0], `{"index":{"_index":"deep"}}`, good(4), ""].join("\n")
    const bulkResponse = await fetch(`${server().url}/es/_bulk`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body: bulk })
    expect(bulkResponse.status).toBe(200)
    const items = (await bulkResponse.json()).items.map((i: { index: { status: number; error?: { reason: string } } }) => [
      i.index.status,
      i.index.error?.reason
    ])
    expect(items).toEqual([
      [400, "the document is nested deeper than 32 levels"],
      [201, undefined]
    ])
    const stored = await json(fetch(`${server().url}/api/v1/logs/search?service=deep-nesting&limit=10`))
    expect(stored.logs.map((l: { message: string }) => l.message).sort()).toEqual(["good line 1", "good line 2", "good line 3", "good line 4"])
  })

  test("tampered tokens are refused and the server keeps serving", async () => {
    for (const token of ["e30.e30.", "a.b.c", "x".repeat(10_000), "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9."]) {
      expect((await fetch(`${server().url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401)
    }
    expect((await fetch(`${server().url}/health`)).status).toBe(200)
  })
})

describe("oversize bodies without a length", () => {
  test("a chunked body past the ingest limit is a JSON 413 on every HTTP protocol, and no error is logged", async () => {
    for (const [path, type] of [
      ["/api/v1/logs", "application/x-ndjson"],
      ["/_bulk", "application/x-ndjson"],
      ["/v1/logs", "application/json"],
      ["/loki/api/v1/push", "application/json"]
    ] as const) {
      const response = await fetch(`${server().url}${path}`, {
        method: "POST",
        body: chunkedNdjson(40 * 1024 * 1024),
        headers: { "content-type": type },
        duplex: "half"
      } as RequestInit)
      expect(response.status, path).toBe(413)
      const body = await json(response)
      // _bulk answers in Elasticsearch's error shape, the others in LogFlow's.
      expect(path === "/_bulk" ? body.error.reason : body.message, path).toContain("bytes")
    }
    expect(server().output()).not.toContain("unhandled error")
    expect((await fetch(`${server().url}/health`)).status).toBe(200)
  })
})
