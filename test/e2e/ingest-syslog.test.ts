import { hostname } from "node:os"
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { counterValue, eventually, searchLogs } from "../support/ingest.ts"
import { freePort, useServer } from "../support/server-process.ts"
import { requireProgram } from "../support/programs.ts"
import { sendTcpLines, type ForegroundDaemon } from "../support/foreground-daemon.ts"
import { startSyslogNg, syslogNgPath } from "../support/syslog-ng.ts"

const udpPort = freePort()
const tcpPort = freePort()
const server = useServer(() => ({ env: { SYSLOG_HOST: "127.0.0.1", SYSLOG_UDP_PORT: String(udpPort), SYSLOG_TCP_PORT: String(tcpPort) } }))

const loggerPath = Bun.which("logger") ?? undefined
const logger = async (args: ReadonlyArray<string>) => {
  const proc = Bun.spawn([loggerPath!, "--server", "127.0.0.1", ...args], { stdout: "pipe", stderr: "pipe" })
  const code = await proc.exited
  if (code !== 0) throw new Error(`logger ${args.join(" ")} failed: ${await new Response(proc.stderr).text()}`)
}
const search = (params: Record<string, string>, atLeast = 1) =>
  eventually(
    () => searchLogs(server().url, params),
    (logs) => logs.length >= atLeast
  )

describe("syslog from util-linux logger", () => {
  const present = requireProgram("logger", loggerPath, "apt-get install bsdutils")

  test.skipIf(!present)("RFC 5424 over UDP: app name, severity, host, time, msgid, procid and structured data", async () => {
    const before = Date.now() - 1000
    await logger([
      "--udp",
      "--port",
      String(udpPort),
      "--rfc5424",
      "-t",
      "billing-udp",
      "-p",
      "local3.err",
      "--id=4242",
      "--msgid",
      "ID47",
      "--sd-id",
      "order@32473",
      "--sd-param",
      'id="42"',
      "card declined for order 42"
    ])
    const [log] = await search({ service: "billing-udp" })
    expect(log).toMatchObject({ service: "billing-udp", level: "ERROR", message: "card declined for order 42", host: hostname() })
    expect(Date.parse(log.timestamp)).toBeGreaterThanOrEqual(before)
    expect(Date.parse(log.timestamp)).toBeLessThanOrEqual(Date.now())
    expect(log.attributes).toMatchObject({
      "syslog.facility": "local3",
      "syslog.severity": "err",
      "syslog.procid": "4242",
      "syslog.msgid": "ID47",
      "syslog.sd.order@32473.id": "42"
    })
    // Searchable by its structured data like any attribute.
    expect((await searchLogs(server().url, { query: "syslog.msgid:ID47", service: "billing-udp" })).length).toBe(1)
  })

  test.skipIf(!present)("RFC 5424 over TCP with octet counting, and RFC 3164 over TCP with newline framing", async () => {
    await logger(["--tcp", "--port", String(tcpPort), "--octet-count", "--rfc5424", "-t", "billing-tcp", "-p", "user.warning", "slow card authorisation"])
    await logger(["--tcp", "--port", String(tcpPort), "--rfc3164", "-t", "cron-bsd", "-p", "cron.notice", "nightly job done"])
    const [octet] = await search({ service: "billing-tcp" })
    expect(octet).toMatchObject({
      level: "WARN",
      message: "slow card authorisation",
      host: hostname(),
      attributes: { "syslog.facility": "user", "syslog.severity": "warning" }
    })
    const [bsd] = await search({ service: "cron-bsd" })
    expect(bsd).toMatchObject({ level: "INFO", message: "nightly job done", attributes: { "syslog.facility": "cron", "syslog.severity": "notice" } })
    expect(Math.abs(Date.parse(bsd.timestamp) - Date.now())).toBeLessThan(60_000)
  })

  test("a line that is not syslog at all is kept as a raw message, not dropped", async () => {
    const socket = await Bun.udpSocket({})
    socket.send("kernel: this device does not speak syslog", udpPort, "127.0.0.1")
    socket.close()
    const logs = await search({ service: "syslog", query: '"does not speak syslog"' })
    expect(logs[0]).toMatchObject({
      service: "syslog",
      level: "INFO",
      message: "kernel: this device does not speak syslog",
      host: "127.0.0.1",
      attributes: { "syslog.malformed": true }
    })
    expect(await counterValue(server().url, "ingest_records_total", { protocol: "syslog", result: "accepted" })).toBeGreaterThanOrEqual(1)
  })
})

describe("syslog from syslog-ng's network destinations", () => {
  const present = requireProgram("syslog-ng", syslogNgPath, "apt-get install syslog-ng-core")
  let syslogNg: ForegroundDaemon | undefined
  const sources = { bsdTcp: 0, ietfTcp: 0, ietfUdp: 0 }
  beforeAll(async () => {
    if (!present) return
    for (const key of Object.keys(sources) as Array<keyof typeof sources>) sources[key] = freePort()
    // One source per destination: network() speaks RFC 3164 with LF framing, syslog() RFC 5424
    // with octet counting over TCP (and one message per datagram over UDP).
    syslogNg = await startSyslogNg(
      `
source s_bsd { network(ip("127.0.0.1") port(${sources.bsdTcp}) transport("tcp") flags(syslog-protocol)); };
source s_ietf_tcp { network(ip("127.0.0.1") port(${sources.ietfTcp}) transport("tcp") flags(syslog-protocol)); };
source s_ietf_udp { network(ip("127.0.0.1") port(${sources.ietfUdp}) transport("tcp") flags(syslog-protocol)); };
destination d_bsd { network("127.0.0.1" port(${tcpPort}) transport("tcp") persist-name("bsd")); };
destination d_ietf_tcp { syslog("127.0.0.1" port(${tcpPort}) transport("tcp") persist-name("ietf")); };
destination d_ietf_udp { syslog("127.0.0.1" port(${udpPort}) transport("udp")); };
log { source(s_bsd); destination(d_bsd); };
log { source(s_ietf_tcp); destination(d_ietf_tcp); };
log { source(s_ietf_udp); destination(d_ietf_udp); };`,
      sources.ietfUdp
    )
  })
  afterAll(async () => {
    await syslogNg?.stop()
  })

  const lines = (app: string) => [
    `<11>1 2026-11-29T10:00:00Z web-3 ${app} 4242 ID47 [order@32473 id="42"] card declined for order 42`,
    `<12>1 2026-11-29T10:00:01Z web-3 ${app} 4242 - - retrying payment`,
    `<14>1 2026-11-29T10:00:02Z web-3 ${app} 4242 - - payment accepted`
  ]
  const expectForwarded = async (service: string) => {
    const logs = await search({ service }, 3)
    expect(logs.map((l) => [l.level, l.message, l.timestamp, l.host])).toEqual([
      ["INFO", "payment accepted", "2026-11-29T10:00:02.000Z", "web-3"],
      ["WARN", "retrying payment", "2026-11-29T10:00:01.000Z", "web-3"],
      ["ERROR", "card declined for order 42", "2026-11-29T10:00:00.000Z", "web-3"]
    ])
    return logs
  }

  test.skipIf(!present)("syslog() over TCP (RFC 5424, octet counting) keeps structured data", async () => {
    await sendTcpLines(sources.ietfTcp, lines("ng-ietf-tcp"))
    const logs = await expectForwarded("ng-ietf-tcp")
    expect(logs[2].attributes).toMatchObject({ "syslog.procid": "4242", "syslog.msgid": "ID47", "syslog.sd.order@32473.id": "42" })
  })

  test.skipIf(!present)("syslog() over UDP (RFC 5424)", async () => {
    await sendTcpLines(sources.ietfUdp, lines("ng-ietf-udp"))
    await expectForwarded("ng-ietf-udp")
  })

  test.skipIf(!present)("network() over TCP (RFC 3164, newline framing)", async () => {
    await sendTcpLines(sources.bsdTcp, lines("ng-bsd"))
    const logs = await expectForwarded("ng-bsd")
    expect(logs[2].attributes).toMatchObject({ "syslog.procid": "4242", "syslog.facility": "user", "syslog.severity": "err" })
  })
})

describe("syslog under load", () => {
  const tcp = freePort()
  // A mailbox of 500 records: one TCP read alone can bring more than that.
  const small = useServer(() => ({ env: { SYSLOG_HOST: "127.0.0.1", SYSLOG_TCP_PORT: String(tcp), SYSLOG_BUFFER_RECORDS: "500" } }))

  test("a TCP sender that outruns the pipeline is slowed down by TCP backpressure, and nothing is dropped", async () => {
    const total = 20_000
    const frames = Array.from({ length: total }, (_, i) => {
      const message = `<14>1 2026-11-29T10:00:00Z web-1 flood - - - line ${i}`
      return `${Buffer.byteLength(message)} ${message}`
    }).join("")
    let drained: (() => void) | undefined
    const socket = await Bun.connect({
      hostname: "127.0.0.1",
      port: tcp,
      socket: {
        data() {},
        drain() {
          drained?.()
        }
      }
    })
    let rest = new TextEncoder().encode(frames)
    while (rest.byteLength > 0) {
      rest = rest.subarray(Math.max(0, socket.write(rest)))
      if (rest.byteLength > 0) await new Promise<void>((resolve) => (drained = resolve))
    }
    socket.end()
    const accepted = await eventually(
      () => counterValue(small().url, "ingest_records_total", { protocol: "syslog", result: "accepted" }),
      (n) => n >= total,
      60_000
    )
    expect(accepted).toBe(total)
    expect(await counterValue(small().url, "ingest_records_total", { protocol: "syslog", result: "dropped" })).toBe(0)
    const page = await searchLogs(small().url, { service: "flood", query: '"line 19999"' })
    expect(page.map((l) => l.message)).toEqual(["line 19999"])
  })
})

describe("syslog TCP limits", () => {
  const tcp = freePort()
  const limited = useServer(() => ({
    env: { SYSLOG_HOST: "127.0.0.1", SYSLOG_TCP_PORT: String(tcp), SYSLOG_TCP_MAX_PER_SOURCE: "3", SYSLOG_TCP_IDLE_TIMEOUT_MS: "1000" }
  }))
  /** A client connection that records when the server closes it. */
  const connect = async () => {
    const state = { closed: false }
    const socket = await Bun.connect({ hostname: "127.0.0.1", port: tcp, socket: { data() {}, close: () => void (state.closed = true) } })
    return { socket, state }
  }
  const closedBy = (reason: string) => counterValue(limited().url, "syslog_connections_closed_total", { reason })

  test("connections beyond the per-source limit are closed at once, and counted", async () => {
    const first = await Promise.all([connect(), connect(), connect()])
    const extra = await connect()
    await eventually(
      async () => extra.state.closed,
      (closed) => closed
    )
    expect(await closedBy("source_limit")).toBe(1)
    expect(first.map((c) => c.state.closed)).toEqual([false, false, false])
    // The admitted ones still deliver.
    first[0]!.socket.write("<14>1 2026-11-29T10:00:00Z web-1 limits - - - still served\n")
    await eventually(
      () => searchLogs(limited().url, { service: "limits" }),
      (logs) => logs.length === 1
    )
    for (const c of first) c.socket.end()
  })

  test("a silent connection is closed after the idle timeout; one that keeps sending is not", async () => {
    const before = await closedBy("idle")
    const silent = await connect()
    const talking = await connect()
    for (let i = 0; i < 6 && !silent.state.closed; i++) {
      talking.socket.write(`<14>1 2026-11-29T10:00:00Z web-1 idle - - - beat ${i}\n`)
      await Bun.sleep(400)
    }
    await eventually(
      async () => silent.state.closed,
      (closed) => closed
    )
    expect(talking.state.closed).toBe(false)
    expect(await closedBy("idle")).toBeGreaterThanOrEqual(before + 1)
    talking.socket.end()
  })
})

describe("syslog buffer bounded in bytes", () => {
  const tcp = freePort()
  // Room for 100,000 records, but only 1 MiB of them: long messages hit the byte bound first.
  const bounded = useServer(() => ({
    env: { SYSLOG_HOST: "127.0.0.1", SYSLOG_TCP_PORT: String(tcp), SYSLOG_BUFFER_BYTES: String(1024 * 1024), SYSLOG_MAX_MESSAGE_BYTES: String(64 * 1024) }
  }))

  test("an endless line without a newline is stored once, cut at the longest message, the rest skipped, and memory stays bounded", async () => {
    const rss = async () => {
      const line = (await (await fetch(`${bounded().url}/metrics`)).text()).split("\n").find((l) => l.startsWith("process_resident_memory_bytes "))
      return Number(line?.split(" ")[1])
    }
    const start = await rss()
    let peak = start
    const sampling = setInterval(async () => (peak = Math.max(peak, await rss())), 200)
    let drained: (() => void) | undefined
    const socket = await Bun.connect({ hostname: "127.0.0.1", port: tcp, socket: { data() {}, drain: () => drained?.() } })
    const chunk = new TextEncoder().encode("a".repeat(1024 * 1024))
    // 200 MiB of one line: without a byte bound the buffer would hold up to 100,000 × 64 KiB.
    for (let sent = 0; sent < 200; sent++) {
      let rest = chunk
      while (rest.byteLength > 0) {
        rest = rest.subarray(Math.max(0, socket.write(rest)))
        if (rest.byteLength > 0) await new Promise<void>((resolve) => (drained = resolve))
      }
    }
    socket.end()
    clearInterval(sampling)
    expect(peak - start).toBeLessThan(256 * 1024 * 1024)
    expect(await counterValue(bounded().url, "ingest_records_total", { protocol: "syslog", result: "dropped" })).toBe(0)
    const [cut] = await eventually(
      () => searchLogs(bounded().url, { service: "syslog" }),
      (logs) => logs.length > 0
    )
    expect(cut.message.length).toBe(64 * 1024)
    expect(cut.attributes).toMatchObject({ "syslog.truncated": true })
    expect(await counterValue(bounded().url, "syslog_messages_truncated_total", { transport: "tcp" })).toBe(1)
  }, 120_000)
})

describe("syslog messages longer than SYSLOG_MAX_MESSAGE_BYTES", () => {
  const tcp = freePort()
  const udp = freePort()
  const small = useServer(() => ({
    env: { SYSLOG_HOST: "127.0.0.1", SYSLOG_TCP_PORT: String(tcp), SYSLOG_UDP_PORT: String(udp), SYSLOG_MAX_MESSAGE_BYTES: "1024" }
  }))
  const header = (app: string) => `<11>1 2026-11-29T10:00:00Z web-1 ${app} - - - `
  const long = (app: string) => `${header(app)}${"x".repeat(5_000)}`
  const truncated = (transport: string) => counterValue(small().url, "syslog_messages_truncated_total", { transport })
  const expectCut = async (service: string) => {
    const [log] = await eventually(
      () => searchLogs(small().url, { service }),
      (logs) => logs.length > 0
    )
    expect(log).toMatchObject({ level: "ERROR", message: "x".repeat(1024 - header(service).length), attributes: { "syslog.truncated": true } })
  }

  test("over TCP, newline-framed and octet-counted: stored cut and flagged, counted, and the next message on the connection intact", async () => {
    const next = "<14>1 2026-11-29T10:00:01Z web-1 after-long - - - still here"
    await sendTcpLines(tcp, [long("long-lf"), `${Buffer.byteLength(long("long-octet"))} ${long("long-octet")}${next}`])
    await expectCut("long-lf")
    await expectCut("long-octet")
    const [after] = await eventually(
      () => searchLogs(small().url, { service: "after-long" }),
      (logs) => logs.length > 0
    )
    expect(after.message).toBe("still here")
    expect(after.attributes["syslog.truncated"]).toBeUndefined()
    expect(await truncated("tcp")).toBe(2)
  })

  test("over UDP: an oversize datagram is stored cut and flagged, and counted", async () => {
    const socket = await Bun.udpSocket({})
    socket.send(long("long-udp"), udp, "127.0.0.1")
    socket.close()
    await expectCut("long-udp")
    expect(await truncated("udp")).toBe(1)
  })
})
