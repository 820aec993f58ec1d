import { hostname } from "node:os"
import { join } from "node:path"
import { expect } from "bun:test"
import { requireProgram } from "./programs.ts"

/**
 * Logging libraries' own shipping clients (pino-elasticsearch, pino-loki, winston-elasticsearch),
 * run by Node, the runtime they are written for, from `test/support/clients/<name>.mjs`: each
 * logs the same lines at its defaults and prints what it sent once its transport has flushed.
 */

export const nodePath = Bun.which("node") ?? undefined
export const nodePresent = () => requireProgram("node", nodePath, "apt-get install nodejs")

export interface SentLine {
  readonly level: string
  readonly message: string
  readonly fields: Record<string, unknown>
  /** When the line was logged, epoch ms. */
  readonly at: number
}

export const runClient = async (client: string, env: { url: string; key: string; service: string; run: string }): Promise<SentLine[]> => {
  const proc = Bun.spawn([nodePath!, join(import.meta.dir, "clients", `${client}.mjs`)], {
    env: { ...process.env, LOGFLOW_URL: env.url, LOGFLOW_KEY: env.key, SERVICE: env.service, RUN: env.run },
    stdout: "pipe",
    stderr: "pipe"
  })
  const timer = setTimeout(() => proc.kill(9), 45_000)
  const [code, out, err] = await Promise.all([proc.exited, new Response(proc.stdout).text(), new Response(proc.stderr).text()])
  clearTimeout(timer)
  if (code !== 0 || out.trim() === "") throw new Error(`${client} exited with ${code}:\n${err}${out}`)
  return JSON.parse(out.trim().split("\n").at(-1)!)
}

const LEVELS: Record<string, string> = { trace: "TRACE", debug: "DEBUG", info: "INFO", warn: "WARN", error: "ERROR", fatal: "FATAL" }

/**
 * Every sent line is stored once, with its level, message, time (±1 s), this machine's host name,
 * its trace and span ids, and its other fields as attributes (under `prefix`, where the client puts them).
 */
export const expectShipped = (logs: ReadonlyArray<any>, sent: ReadonlyArray<SentLine>, prefix = "") => {
  expect(logs.length).toBe(sent.length)
  for (const line of sent) {
    const stored = logs.find((l) => l.message === line.message)
    expect(stored, line.message).toBeDefined()
    expect(stored.level).toBe(LEVELS[line.level]!)
    expect(Math.abs(Date.parse(stored.timestamp) - line.at)).toBeLessThanOrEqual(1000)
    expect(stored.host).toBe(hostname())
    const { trace_id, span_id, meta, ...rest } = line.fields as Record<string, any>
    expect(stored.trace_id).toBe(trace_id)
    expect(stored.span_id).toBe(span_id)
    const flat = Object.fromEntries(
      Object.entries(rest).flatMap(([k, v]) =>
        typeof v === "object" ? Object.entries(v).map(([kk, vv]) => [`${prefix}${k}.${kk}`, vv]) : [[`${prefix}${k}`, v]]
      )
    )
    expect(stored.attributes).toMatchObject(flat)
  }
}
