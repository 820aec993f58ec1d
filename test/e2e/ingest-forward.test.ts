import { afterEach, describe, expect, test } from "bun:test"
import { EventTime, type EventModes, FluentClient } from "@fluent-org/logger"
import * as fluent from "@fluent-org/logger/build/src/protocol.js"
import { counterValue, eventually, searchLogs } from "../support/ingest.ts"
import { freePort, useServer } from "../support/server-process.ts"

/**
 * The Fluent forward protocol driven by @fluent-org/logger, a forward client nobody here wrote,
 * in each of its carrier modes, without and with acknowledgements, and with a shared key. Each
 * record must be searchable with the right service (from the tag), level, time (±1 s),
 * message, host, attributes and trace id; an acknowledged one as soon as the ack arrives.
 */

const port = freePort()
const server = useServer(() => ({
  env: {
    FLUENT_FORWARD_HOST: "127.0.0.1",
    FLUENT_FORWARD_PORT: String(port),
    FLUENT_FORWARD_SERVICE_FROM_TAG: "^([^.]+)",
    FLUENT_FORWARD_MAX_MESSAGE_BYTES: "65536",
    FLUENT_FORWARD_MAX_PER_SOURCE: "8",
    FLUENT_FORWARD_IDLE_TIMEOUT_MS: "1000"
  }
}))

const clients: FluentClient[] = []
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.disconnect()))
})
const clientFor = (tagPrefix: string, options: ConstructorParameters<typeof FluentClient>[1]) => {
  const client = new FluentClient(tagPrefix, { ...options, socket: { host: "127.0.0.1", port, ...options?.socket } })
  clients.push(client)
  return client
}

const TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
const eventTime = (ms: number) => new EventTime(Math.floor(ms / 1000), (ms % 1000) * 1_000_000)

/** Three events as an application logging through the client writes them. */
const emitThree = async (client: FluentClient, sentAt: number) => {
  await Promise.all([
    client.emit("stdout", { log: "card declined", level: "error", host: "web-4", trace_id: TRACE_ID, order: { id: 7 } }, eventTime(sentAt - 3_000)),
    client.emit("stdout", { log: "slow issuer", level: "warn", host: "web-4" }, eventTime(sentAt - 2_000)),
    client.emit("stdout", { message: "tokenised", severity: "debug", host: "web-4" }, eventTime(sentAt - 1_000))
  ])
}

const expectThree = (logs: any[], service: string, sentAt: number) => {
  expect(logs.map((l) => [l.service, l.level, l.message, l.host])).toEqual([
    [service, "DEBUG", "tokenised", "web-4"],
    [service, "WARN", "slow issuer", "web-4"],
    [service, "ERROR", "card declined", "web-4"]
  ])
  logs.forEach((l, i) => expect(Math.abs(Date.parse(l.timestamp) - (sentAt - (i + 1) * 1_000))).toBeLessThanOrEqual(1_000))
  expect(logs[2].trace_id).toBe(TRACE_ID)
  expect(logs[2].attributes).toMatchObject({ "order.id": 7, "fluent.tag": `${service}.stdout` })
}

const MODES: ReadonlyArray<EventModes> = ["Message", "Forward", "PackedForward", "CompressedPackedForward"]

describe("Fluent forward from @fluent-org/logger", () => {
  for (const eventMode of MODES) {
    const plain = `fwd-${eventMode.toLowerCase()}`
    test(`${eventMode} mode, no acknowledgements: every event lands with its service, level, time, message, host, attributes and trace`, async () => {
      const sentAt = Date.now()
      const client = clientFor(plain, { eventMode, disconnect: { waitForPending: true, waitForPendingDelay: 5_000 } })
      await emitThree(client, sentAt)
      await client.disconnect()
      const logs = await eventually(
        () => searchLogs(server().url, { service: plain }),
        (l) => l.length >= 3
      )
      expectThree(logs, plain, sentAt)
    })

    const acked = `fwdack-${eventMode.toLowerCase()}`
    test(`${eventMode} mode with acknowledgements: once acknowledged, the events are already searchable`, async () => {
      const sentAt = Date.now()
      await emitThree(clientFor(acked, { eventMode, ack: { ackTimeout: 10_000 } }), sentAt)
      // No waiting: an ack is sent only after the commit.
      expectThree(await searchLogs(server().url, { service: acked }), acked, sentAt)
    })
  }

  test("every accepted event is counted as protocol forward", async () => {
    expect(await counterValue(server().url, "ingest_records_total", { protocol: "forward", result: "accepted" })).toBeGreaterThanOrEqual(24)
  })
})

/** A raw TCP connection that collects what the server answers. */
const connect = async () => {
  const received: Uint8Array[] = []
  let closed = false
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data: (_s, chunk) => void received.push(new Uint8Array(chunk)),
      close: () => void (closed = true)
    }
  })
  return { socket, received, isClosed: () => closed }
}

describe("forward input LogFlow refuses", () => {
  test("a bad entry is refused alone and counted; the chunk is acknowledged after the good ones are stored", async () => {
    const before = await counterValue(server().url, "ingest_records_total", { protocol: "forward", result: "rejected" })
    const { socket, received } = await connect()
    const entries = [
      fluent.generateEntry(eventTime(Date.now()), { log: "kept" }),
      ["no record"],
      fluent.generateEntry(eventTime(Date.now()), { log: "x", time: "not a time" })
    ]
    socket.write(fluent.encode(fluent.generateForwardMode("fwd-bad.app", entries as never, "Y2h1bmstYmFk")))
    const acks = await eventually(
      async () => received,
      (r) => r.length > 0
    )
    expect(fluent.decode(acks[0]!)).toEqual({ ack: "Y2h1bmstYmFk" })
    expect((await searchLogs(server().url, { service: "fwd-bad" })).map((l) => l.message)).toEqual(["kept"])
    expect(await counterValue(server().url, "ingest_records_total", { protocol: "forward", result: "rejected" })).toBe(before + 2)
    socket.end()
  })

  test("a message over FLUENT_FORWARD_MAX_MESSAGE_BYTES closes the connection unacknowledged, counted", async () => {
    const { socket, received, isClosed } = await connect()
    socket.write(fluent.encode(fluent.generateMessageMode("fwd-huge", eventTime(Date.now()), { log: "x".repeat(70_000) }, "aHVnZQ==")))
    await eventually(async () => isClosed(), Boolean)
    expect(isClosed()).toBe(true)
    expect(received).toEqual([])
    expect(await counterValue(server().url, "forward_connections_closed_total", { reason: "too_large" })).toBe(1)
  })

  test("connections past FLUENT_FORWARD_MAX_PER_SOURCE are closed at once; a silent one after FLUENT_FORWARD_IDLE_TIMEOUT_MS", async () => {
    const open = await Promise.all(Array.from({ length: 9 }, connect))
    await eventually(
      async () => open.filter((c) => c.isClosed()).length,
      (n) => n >= 1,
      500
    )
    expect(await counterValue(server().url, "forward_connections_closed_total", { reason: "source_limit" })).toBe(1)
    // The others sent nothing: the idle sweep closes them.
    await eventually(async () => open.every((c) => c.isClosed()), Boolean, 5_000)
    expect(open.every((c) => c.isClosed())).toBe(true)
    expect(await counterValue(server().url, "forward_connections_closed_total", { reason: "idle" })).toBeGreaterThanOrEqual(8)
  })
})

describe("Fluent forward with a shared key", () => {
  const keyedPort = freePort()
  const keyed = useServer(() => ({
    env: { FLUENT_FORWARD_HOST: "127.0.0.1", FLUENT_FORWARD_PORT: String(keyedPort), FLUENT_FORWARD_SHARED_KEY: "forward-secret-1" }
  }))
  const keyedClient = (sharedKey: string) =>
    clientFor("fwd-keyed", { ack: { ackTimeout: 5_000 }, security: { clientHostname: "app-host", sharedKey }, socket: { port: keyedPort } })

  test("a client holding the key passes the handshake and its events are stored", async () => {
    await keyedClient("forward-secret-1").emit("audit", { log: "signed in", level: "info", host: "app-host" }, eventTime(Date.now()))
    expect((await searchLogs(keyed().url, { service: "fwd-keyed.audit" })).map((l) => l.message)).toEqual(["signed in"])
  })

  test("a client with another key is refused in the handshake and stores nothing", async () => {
    const client = new FluentClient("fwd-wrongkey", {
      ack: { ackTimeout: 2_000 },
      security: { clientHostname: "app-host", sharedKey: "not-the-key" },
      socket: { host: "127.0.0.1", port: keyedPort, reconnect: { maxDelay: 100 } }
    })
    // The client retries the handshake until it is stopped; the event stays unsent.
    const outcome = client.emit("audit", { log: "should not land" }).then(
      () => "stored",
      () => "not stored"
    )
    await eventually(
      () => counterValue(keyed().url, "forward_connections_closed_total", { reason: "unauthenticated" }),
      (n) => n >= 1
    )
    // shutdown() rejects what is still queued.
    await client.shutdown()
    expect(await outcome).toBe("not stored")
    expect(await searchLogs(keyed().url, { service: "fwd-wrongkey.audit" })).toEqual([])
  })
})
