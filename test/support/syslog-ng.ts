import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Subprocess } from "bun"

/**
 * Runs Debian's syslog-ng in the foreground with a test's configuration, every file it keeps
 * (persist file, pid file, control socket) in its own temporary directory, and stops it after.
 * `.ci/run` installs it (syslog-ng-core, syslog-ng-mod-http, syslog-ng-scl).
 */

export const syslogNgPath = Bun.which("syslog-ng") ?? (Bun.file("/usr/sbin/syslog-ng").size > 0 ? "/usr/sbin/syslog-ng" : undefined)

export interface SyslogNg {
  readonly process: Subprocess
  readonly output: () => string
  readonly stop: () => Promise<void>
}

/** Starts syslog-ng with `body` (sources, destinations, log paths) and waits until `readyPort` accepts TCP connections. */
export const startSyslogNg = async (body: string, readyPort: number): Promise<SyslogNg> => {
  const dir = mkdtempSync(join(tmpdir(), "logflow-syslog-ng-"))
  const conf = join(dir, "syslog-ng.conf")
  writeFileSync(conf, `@version: 3.38\n@include "scl.conf"\noptions { stats-freq(0); keep-hostname(yes); };\n${body}\n`)
  const proc = Bun.spawn([syslogNgPath!, "-F", "--no-caps", "--stderr", "-f", conf, "--persist-file", join(dir, "syslog-ng.persist"), "--pidfile", join(dir, "syslog-ng.pid"), "--control", join(dir, "syslog-ng.ctl")], { stdout: "pipe", stderr: "pipe" })
  let output = ""
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder()
    for await (const chunk of stream) output += decoder.decode(chunk)
  }
  void collect(proc.stdout)
  void collect(proc.stderr)
  const stop = async () => {
    proc.kill("SIGTERM")
    const timer = setTimeout(() => proc.kill(9), 5_000)
    await proc.exited
    clearTimeout(timer)
    rmSync(dir, { recursive: true, force: true })
  }
  const deadline = Date.now() + 15_000
  for (;;) {
    if (proc.exitCode !== null) {
      await stop()
      throw new Error(`syslog-ng exited with ${proc.exitCode}:\n${output}`)
    }
    const open = await Bun.connect({ hostname: "127.0.0.1", port: readyPort, socket: { data() {} } }).then((s) => (s.end(), true), () => false)
    if (open) break
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`syslog-ng did not listen on ${readyPort} within 15 s:\n${output}`)
    }
    await Bun.sleep(50)
  }
  return { process: proc, output: () => output, stop }
}

/** Sends newline-framed lines to a TCP port and closes the connection. */
export const sendTcpLines = async (port: number, lines: ReadonlyArray<string>) => {
  const socket = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } })
  socket.write(lines.map((l) => `${l}\n`).join(""))
  socket.flush()
  socket.end()
}
