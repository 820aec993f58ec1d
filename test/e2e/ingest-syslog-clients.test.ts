import { existsSync } from "node:fs"
import { hostname } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { startRsyslog, useClient } from "../support/clients.ts"
import type { ForegroundDaemon } from "../support/foreground-daemon.ts"
import { counterValue, eventually, searchLogs } from "../support/ingest.ts"
import { freePort, useServer } from "../support/server-process.ts"

/**
 * Syslog from real clients at their default settings: Debian's rsyslog forwarding with omfwd
 * (its default template, RFC 3164 with the tag as it came: `app[pid]:`, `app[pid] ` or `app `)
 * over TCP and UDP, and log4j2's Syslog appender over TCP, which writes no newline and closes the
 * connection after its last message. Each record must be searchable with the right service,
 * level, timestamp (±1 s), message and host.
 */

const udpPort = freePort()
const tcpPort = freePort()
const server = useServer(() => ({ env: { SYSLOG_HOST: "127.0.0.1", SYSLOG_UDP_PORT: String(udpPort), SYSLOG_TCP_PORT: String(tcpPort) } }))

const run = async (argv: ReadonlyArray<string>) => {
  const proc = Bun.spawn([...argv], { stdout: "pipe", stderr: "pipe" })
  const [code, out, err] = await Promise.all([proc.exited, new Response(proc.stdout).text(), new Response(proc.stderr).text()])
  if (code !== 0) throw new Error(`${argv.join(" ")} failed (${code}): ${err}`)
  return out
}
const found = (service: string, atLeast: number) =>
  eventually(
    () => searchLogs(server().url, { service }),
    (logs) => logs.length >= atLeast
  )
const expectNear = (timestamp: string, from: number, to: number) => {
  // BSD dates have whole seconds.
  expect(Date.parse(timestamp)).toBeGreaterThanOrEqual(from - 1_000)
  expect(Date.parse(timestamp)).toBeLessThanOrEqual(to + 1_000)
}

describe("syslog from Debian's rsyslog (omfwd, default template)", () => {
  const home = useClient("rsyslog")
  const loggerPath = Bun.which("logger")
  const inputs = { tcp: freePort(), udp: freePort() }
  let rsyslog: ForegroundDaemon | undefined
  beforeAll(async () => {
    if (!home) return
    // What arrives on a local socket or by TCP is forwarded to LogFlow, one ruleset per transport.
    const daemon = await startRsyslog(
      home,
      (dir) => `
module(load="imuxsock" SysSock.Use="off")
module(load="imtcp")
ruleset(name="to_tcp") { action(type="omfwd" target="127.0.0.1" port="${tcpPort}" protocol="tcp") }
ruleset(name="to_udp") { action(type="omfwd" target="127.0.0.1" port="${udpPort}" protocol="udp") }
input(type="imuxsock" Socket="${join(dir, "tcp.sock")}" Ruleset="to_tcp")
input(type="imuxsock" Socket="${join(dir, "udp.sock")}" Ruleset="to_udp")
input(type="imtcp" address="127.0.0.1" port="${inputs.udp}" Ruleset="to_udp")
input(type="imtcp" address="127.0.0.1" port="${inputs.tcp}" Ruleset="to_tcp")`,
      inputs.tcp
    )
    rsyslog = daemon
    await eventually(
      async () => existsSync(join(daemon.dir, "tcp.sock")) && existsSync(join(daemon.dir, "udp.sock")),
      (ready) => ready
    )
  })
  afterAll(async () => {
    await rsyslog?.stop()
  })

  for (const transport of ["tcp", "udp"] as const) {
    test.skipIf(!home || !loggerPath)(`over ${transport.toUpperCase()}: every tag form lands with its service, level, time, message and host`, async () => {
      const socket = join(rsyslog!.dir, `${transport}.sock`)
      const into = ["--server", "127.0.0.1", "--port", String(inputs[transport]), "--tcp", "--rfc5424"]
      const before = Date.now()
      // A local program (syslog(3) style: `checkout[4242]: …`), and RFC 5424 senders with and
      // without a proc id, which rsyslog forwards as `billing[77] …` and `ledger …`.
      await run([loggerPath!, "-u", socket, "-t", `checkout-${transport}`, "--id=4242", "-p", "local3.err", "card declined for order 42"])
      await run([loggerPath!, ...into, "-t", `billing-${transport}`, "--id=77", "-p", "user.warning", "retrying payment"])
      await run([loggerPath!, ...into, "-t", `ledger-${transport}`, "-p", "daemon.debug", "payment booked"])
      const after = Date.now()
      const expected = [
        [`checkout-${transport}`, "ERROR", "card declined for order 42", { "syslog.procid": "4242", "syslog.facility": "local3", "syslog.severity": "err" }],
        [`billing-${transport}`, "WARN", "retrying payment", { "syslog.procid": "77", "syslog.facility": "user", "syslog.severity": "warning" }],
        [`ledger-${transport}`, "DEBUG", "payment booked", { "syslog.facility": "daemon", "syslog.severity": "debug" }]
      ] as const
      for (const [service, level, message, attributes] of expected) {
        const logs = await found(service, 1)
        expect(logs.length).toBe(1)
        const [log] = logs
        expect(log).toMatchObject({ service, level, message, host: hostname() })
        expect(log.attributes).toMatchObject(attributes)
        expectNear(log.timestamp, before, after)
      }
    })
  }
})

describe("syslog from log4j2's Syslog appender over TCP (no newline, closes after the last message)", () => {
  const home = useClient("log4j2-syslog")
  const events = ["ERROR card declined", "WARN retrying payment", "FATAL gateway unreachable", "INFO payment accepted"]
  const levels = ["ERROR", "WARN", "FATAL", "INFO"]
  /** Runs the program with `config` (undefined: the one on its classpath, the appender's defaults); returns the host names it printed. */
  const log4j2 = async (config: string | undefined, messages: ReadonlyArray<string>) => {
    const out = await run([
      "java",
      `-Dsyslog.port=${tcpPort}`,
      ...(config ? [`-Dlog4j2.configurationFile=${join(import.meta.dir, "fixtures/log4j2-syslog", config)}`] : []),
      "-cp",
      `${join(home!, "classes")}:${join(home!, "lib/*")}`,
      "logflow.Main",
      ...messages
    ])
    const [name, canonical] = out.trim().split(" ")
    return { name: name!, canonical: canonical! }
  }
  const endedByClose = () => counterValue(server().url, "syslog_messages_ended_by_close_total", {})

  test.skipIf(!home)("RFC 5424 format with an app name: every event, the last one included, with its service, level, time, message and host", async () => {
    const closedBefore = await endedByClose()
    const before = Date.now()
    const hosts = await log4j2(
      "log4j2-rfc5424.xml",
      events.map((e) => `${e} (5424)`)
    )
    const after = Date.now()
    const logs = (await found("checkout", events.length)).reverse()
    expect(logs.map((l) => [l.level, l.message, l.host])).toEqual(events.map((e, i) => [levels[i], `${e.slice(e.indexOf(" ") + 1)} (5424)`, hosts.canonical]))
    for (const log of logs) expectNear(log.timestamp, before, after)
    expect(logs[0].attributes["syslog.procid"]).toMatch(/^\d+$/)
    // The last event had no newline after it: the connection's close completed it.
    expect(await endedByClose()).toBe(closedBefore + 1)
  })

  test.skipIf(!home)("the appender's defaults (BSD format, which carries no tag): every event, the last one included, nothing lost", async () => {
    const closedBefore = await endedByClose()
    const before = Date.now()
    const messages = events.map((e) => `${e.replace(" ", " bsd-")}`)
    const hosts = await log4j2(undefined, messages)
    const after = Date.now()
    // Without a tag RFC 3164 reads the first word as one: "bsd-card declined" is service bsd-card.
    for (const [i, event] of messages.entries()) {
      const text = event.slice(event.indexOf(" ") + 1)
      const service = text.slice(0, text.indexOf(" "))
      const [log] = await found(service, 1)
      expect(log).toMatchObject({ service, level: levels[i], message: text.slice(service.length + 1), host: hosts.name })
      expectNear(log.timestamp, before, after)
    }
    expect(await endedByClose()).toBe(closedBefore + 1)
  })
})
