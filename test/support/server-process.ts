import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Subprocess } from "bun"

/**
 * Starts the real LogFlow process (`bun run src/main.ts all`) on a free port with its own
 * DATA_DIR, and waits until it serves /health. Used by end-to-end and reliability tests.
 */
export interface ServerProcess {
  readonly url: string
  readonly dataDir: string
  readonly process: Subprocess
  /** Everything the process printed so far (stdout and stderr). */
  readonly output: () => string
  readonly exited: Promise<number>
}

const ROOT = join(import.meta.dir, "../..")

export const makeDataDir = () => mkdtempSync(join(tmpdir(), "logflow-test-"))
export const removeDataDir = (dir: string) => rmSync(dir, { recursive: true, force: true })

export const startServer = async (options: { dataDir?: string; env?: Record<string, string> } = {}): Promise<ServerProcess> => {
  const dataDir = options.dataDir ?? makeDataDir()
  const proc = Bun.spawn([process.execPath, "run", "src/main.ts", "all"], {
    cwd: ROOT,
    env: { ...process.env, API_HOST: "127.0.0.1", API_PORT: "0", DATA_DIR: dataDir, LOG_LEVEL: "info", ...options.env },
    stdout: "pipe",
    stderr: "pipe"
  })
  let output = ""
  let resolvePort: (port: number) => void
  const port = new Promise<number>((resolve) => (resolvePort = resolve))
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder()
    for await (const chunk of stream) {
      output += decoder.decode(chunk)
      const match = /listening on http:\/\/[^:]+:(\d+)/.exec(output)
      if (match) resolvePort(Number(match[1]))
    }
  }
  void collect(proc.stdout)
  void collect(proc.stderr)
  const started = await Promise.race([
    port,
    proc.exited.then((code) => new Error(`server exited with ${code} before listening:\n${output}`)),
    Bun.sleep(20_000).then(() => new Error(`server did not start within 20 s:\n${output}`))
  ])
  if (started instanceof Error) {
    proc.kill(9)
    throw started
  }
  return { url: `http://127.0.0.1:${started}`, dataDir, process: proc, output: () => output, exited: proc.exited }
}

/** Stops the server (SIGTERM, then SIGKILL after 15 s) and returns its exit code. */
export const stopServer = async (server: ServerProcess): Promise<number> => {
  server.process.kill("SIGTERM")
  const timer = setTimeout(() => server.process.kill(9), 15_000)
  const code = await server.exited
  clearTimeout(timer)
  return code
}

/** A response body as JSON, typed loosely: tests assert on its shape. */
export const json = async (response: Response | Promise<Response>): Promise<any> => (await response).json()
