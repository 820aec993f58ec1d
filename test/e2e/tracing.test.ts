import { afterAll, describe, expect, test } from "bun:test"
import { freePort, json, useServer } from "../support/server-process.ts"

/** Request ids, correlation ids and W3C trace context; spans exported to a local OTLP receiver. */

interface OtlpSpan {
  traceId: string
  spanId: string
  name: string
}

const received: OtlpSpan[] = []
const receiverPort = freePort()
const receiver = Bun.serve({
  hostname: "127.0.0.1",
  port: receiverPort,
  async fetch(request) {
    if (new URL(request.url).pathname === "/v1/traces") {
      const body = (await request.json()) as { resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: OtlpSpan[] }> }> }
      for (const resource of body.resourceSpans ?? []) for (const scope of resource.scopeSpans ?? []) received.push(...(scope.spans ?? []))
    }
    return Response.json({})
  }
})

const server = useServer(() => ({
  env: { ADMIN_PASSWORD: "admin-password-1", OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiverPort}`, OTEL_EXPORT_INTERVAL_MS: "200" }
}))
afterAll(() => receiver.stop(true))

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const get = (path: string, headers: Record<string, string> = {}) => fetch(`${server().url}${path}`, { headers })

describe("request ids and correlation", () => {
  test("every response has a new X-Request-ID; X-Correlation-ID echoes the caller's or falls back to the request id", async () => {
    const plain = await get("/")
    const requestId = plain.headers.get("x-request-id")!
    expect(requestId).toMatch(UUID)
    expect(plain.headers.get("x-correlation-id")).toBe(requestId)
    expect((await get("/")).headers.get("x-request-id")).not.toBe(requestId)

    const correlated = await get("/health", { "x-correlation-id": "txn-1234" })
    expect(correlated.headers.get("x-correlation-id")).toBe("txn-1234")

    for (const malformed of ["has spaces <script>", "x".repeat(300), "semi;colon"]) {
      const response = await get("/", { "x-correlation-id": malformed })
      expect(response.headers.get("x-correlation-id")).toBe(response.headers.get("x-request-id")!)
    }
    // Errors carry the same request id in their body.
    const failed = await get("/api/v1/logs/search?limit=0")
    expect((await json(failed)).request_id).toBe(failed.headers.get("x-request-id")!)
  })

  test("a W3C traceparent is continued; an invalid one starts a new trace", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736"
    const continued = await get("/", { traceparent: `00-${traceId}-00f067aa0ba902b7-01` })
    const [version, trace, span, flags] = continued.headers.get("traceparent")!.split("-")
    expect([version, trace, flags]).toEqual(["00", traceId, "01"])
    expect(span).not.toBe("00f067aa0ba902b7")
    const fresh = (await get("/", { traceparent: "00-00000000000000000000000000000000-00f067aa0ba902b7-01" })).headers.get("traceparent")!
    expect(fresh).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/)
    expect(fresh.split("-")[1]).not.toBe("00000000000000000000000000000000")
  })

  test("GET /api/v1/trace/context reports this request's ids", async () => {
    const response = await get("/api/v1/trace/context", { "x-correlation-id": "ctx-1" })
    const context = await json(response)
    expect(context).toMatchObject({ request_id: response.headers.get("x-request-id"), correlation_id: "ctx-1" })
    expect(response.headers.get("traceparent")).toContain(context.trace_id)
  })

  test("GET /api/v1/trace/debug is for admins, shows values of known headers only, and withholds credential-like parameters", async () => {
    const login = await json(
      fetch(`${server().url}/api/v1/auth/login`, { method: "POST", body: new URLSearchParams({ username: "admin", password: "admin-password-1" }) })
    )
    const debug = await json(
      get("/api/v1/trace/debug?x=1&password=hunter2&api_key=k-123&accessToken=t-456", {
        authorization: `Bearer ${login.access_token}`,
        "x-api-key": "lf_secret",
        "x-auth-token": "custom-secret",
        "x-correlation-id": "dbg-1",
        "user-agent": "debug-test"
      })
    )
    expect(debug).toMatchObject({
      method: "GET",
      path: "/api/v1/trace/debug",
      correlation_id: "dbg-1",
      query_params: { x: "1", password: "[redacted]", api_key: "[redacted]", accessToken: "[redacted]" },
      user: "admin"
    })
    expect(debug.headers.authorization).toBe("[redacted]")
    expect(debug.headers["x-api-key"]).toBe("[redacted]")
    expect(debug.headers["x-auth-token"]).toBe("[redacted]")
    expect(debug.headers["user-agent"]).toBe("debug-test")
    for (const secret of ["hunter2", "k-123", "t-456", "custom-secret", "lf_secret"]) expect(JSON.stringify(debug)).not.toContain(secret)
    expect(JSON.stringify(debug)).not.toContain(login.access_token)
    expect((await get("/api/v1/trace/debug")).status).toBe(401)
  })

  test("POST /api/v1/trace/log records an event searchable by correlation id, and the log line carries the ids", async () => {
    const response = await fetch(`${server().url}/api/v1/trace/log`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-correlation-id": "pay-777" },
      body: JSON.stringify({ event: "payment_processed", details: { amount: 99.99, status: "success" } })
    })
    expect(response.status).toBe(200)
    const logged = await json(response)
    const found = await json(get("/api/v1/logs/search?correlation_id=pay-777"))
    expect(found.logs).toEqual([
      expect.objectContaining({
        id: logged.id,
        service: "logflow",
        correlation_id: "pay-777",
        message: "trace event: payment_processed",
        attributes: expect.objectContaining({ event: "payment_processed", amount: 99.99, status: "success" })
      })
    ])
    const line = server()
      .output()
      .split("\n")
      .find((l) => l.includes("trace event payment_processed"))
    expect(JSON.parse(line!).annotations).toMatchObject({ request_id: logged.request_id, correlation_id: "pay-777", trace_id: logged.trace_id })
  })
})

describe("OpenTelemetry", () => {
  test("spans for requests, store queries and indexing batches reach the OTLP receiver, in the caller's trace", async () => {
    const traceId = "0af7651916cd43dd8448eb211c80319c"
    await get("/api/v1/logs/search?query=anything", { traceparent: `00-${traceId}-b7ad6b7169203331-01` })
    await fetch(`${server().url}/api/v1/logs`, { method: "POST", body: JSON.stringify({ service: "otel", message: "traced" }) })
    const deadline = Date.now() + 15_000
    const names = () => new Set(received.map((s) => s.name))
    // Earlier tests' spans are in `received` too: wait for this trace's own.
    const inTrace = () => received.filter((s) => s.traceId === traceId).map((s) => s.name)
    const arrived = () => inTrace().includes("http.request") && inTrace().includes("LogStore.search") && names().has("BatchIndexer.flush")
    while (!arrived() && Date.now() < deadline) await Bun.sleep(100)
    expect(inTrace()).toEqual(expect.arrayContaining(["http.request", "LogStore.search"]))
    expect(names().has("BatchIndexer.flush")).toBe(true)
    expect(names().has("LogStore.index")).toBe(true)
  })
})
