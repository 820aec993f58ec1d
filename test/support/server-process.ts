import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll } from "bun:test"
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

/** A port nothing listens on right now (the OS picks it; we release it for the server). */
export const freePort = () => {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } })
  const port = probe.port
  probe.stop(true)
  return port
}

export interface StartOptions {
  /** The role to run (`bun run src/main.ts <role>`); default `all`. */
  readonly role?: string
  readonly dataDir?: string
  readonly env?: Record<string, string>
}

export const startServer = async (options: StartOptions = {}): Promise<ServerProcess> => {
  const dataDir = options.dataDir ?? makeDataDir()
  const scheme = options.env?.TLS_CERT_FILE ? "https" : "http"
  const url = `${scheme}://127.0.0.1:${freePort()}`
  const proc = Bun.spawn([process.execPath, "run", "src/main.ts", options.role ?? "all"], {
    cwd: ROOT,
    // OTLP/gRPC is off unless a test gives it a port: its default, 4317, would be shared by every server a test starts.
    env: { ...process.env, API_HOST: "127.0.0.1", API_PORT: new URL(url).port, DATA_DIR: dataDir, OTLP_GRPC_PORT: "0", ...options.env },
    stdout: "pipe",
    stderr: "pipe"
  })
  let output = ""
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder()
    for await (const chunk of stream) output += decoder.decode(chunk)
  }
  void collect(proc.stdout)
  void collect(proc.stderr)
  let exitCode: number | undefined
  void proc.exited.then((code) => (exitCode = code))
  const deadline = Date.now() + 20_000
  const fail = (message: string) => {
    proc.kill(9)
    if (options.dataDir === undefined) removeDataDir(dataDir)
    return new Error(message)
  }
  for (;;) {
    if (exitCode !== undefined) throw fail(`server exited with ${exitCode} before serving:\n${output}`)
    if (Date.now() > deadline) throw fail(`server did not serve /health within 20 s:\n${output}`)
    // Test certificates are self-signed.
    const ready = await fetch(`${url}/health`, { tls: { rejectUnauthorized: false } }).then(
      (r) => r.ok,
      () => false
    )
    if (ready) break
    await Bun.sleep(50)
  }
  return { url, dataDir, process: proc, output: () => output, exited: proc.exited }
}

/** Stops the server (SIGTERM, then SIGKILL after 15 s) and returns its exit code. */
export const stopServer = async (server: ServerProcess): Promise<number> => {
  server.process.kill("SIGTERM")
  const timer = setTimeout(() => server.process.kill(9), 15_000)
  const code = await server.exited
  clearTimeout(timer)
  return code
}

/** Stops the server and removes its data directory. */
export const disposeServer = async (server: ServerProcess) => {
  await stopServer(server)
  removeDataDir(server.dataDir)
}

/**
 * One server for the enclosing file or describe block: started before its tests, disposed of
 * after them. Returns a getter, since the server exists only once the tests run.
 */
export const useServer = (options: () => StartOptions | Promise<StartOptions> = () => ({})) => {
  let server: ServerProcess | undefined
  beforeAll(async () => {
    server = await startServer(await options())
  })
  afterAll(async () => {
    if (server) await disposeServer(server)
  })
  return () => server!
}

/** A response body as JSON, typed loosely: tests assert on its shape. */
export const json = async (response: Response | Promise<Response>): Promise<any> => (await response).json()
