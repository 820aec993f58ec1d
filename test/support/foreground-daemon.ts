import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Subprocess } from "bun"

/**
 * Runs a log daemon (syslog-ng, rsyslog) in the foreground for a test: its files live in a
 * temporary directory of its own, it is ready once `readyPort` accepts TCP connections, and
 * `stop` ends it (SIGTERM, then SIGKILL) and removes the directory.
 */

export interface ForegroundDaemon {
  readonly dir: string
  readonly process: Subprocess
  readonly output: () => string
  readonly stop: () => Promise<void>
}

export const startForegroundDaemon = async (
  name: string,
  argv: (dir: string) => string[],
  readyPort: number,
  prepare: (dir: string) => void,
  env: Record<string, string> = {}
): Promise<ForegroundDaemon> => {
  const dir = mkdtempSync(join(tmpdir(), `logflow-${name}-`))
  prepare(dir)
  const proc = Bun.spawn(argv(dir), { stdout: "pipe", stderr: "pipe", env: { ...process.env, ...env } })
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
      throw new Error(`${name} exited with ${proc.exitCode}:\n${output}`)
    }
    const open = await Bun.connect({ hostname: "127.0.0.1", port: readyPort, socket: { data() {} } }).then(
      (s) => {
        s.end()
        return true
      },
      () => false
    )
    if (open) break
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`${name} did not listen on ${readyPort} within 15 s:\n${output}`)
    }
    await Bun.sleep(50)
  }
  return { dir, process: proc, output: () => output, stop }
}

/** Sends newline-framed lines to a TCP port and closes the connection. */
export const sendTcpLines = async (port: number, lines: ReadonlyArray<string>) => {
  const socket = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } })
  socket.write(lines.map((l) => `${l}\n`).join(""))
  socket.flush()
  socket.end()
}
