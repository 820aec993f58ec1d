import { describe, expect, test } from "bun:test"
import { join } from "node:path"
import { makeDataDir, removeDataDir } from "../support/server-process.ts"

/** Configurations that cannot work are refused at start, with the setting named, before serving. */

const ROOT = join(import.meta.dir, "../..")

const start = async (role: string, env: Record<string, string>) => {
  const dataDir = makeDataDir()
  try {
    const proc = Bun.spawn(["bun", "run", "src/main.ts", role], {
      cwd: ROOT,
      env: { ...process.env, DATA_DIR: dataDir, API_PORT: "0", LOG_LEVEL: "warning", ...env },
      stdout: "pipe",
      stderr: "pipe"
    })
    const exitCode = await proc.exited
    return { exitCode, output: (await new Response(proc.stdout).text()) + (await new Response(proc.stderr).text()) }
  } finally {
    removeDataDir(dataDir)
  }
}

describe("start-up refusals", () => {
  test.each(["api", "worker"])("the %s role without Kafka refuses to start, naming KAFKA_BOOTSTRAP_SERVERS", async (role) => {
    const { exitCode, output } = await start(role, {})
    expect(exitCode).not.toBe(0)
    expect(output).toContain("KAFKA_BOOTSTRAP_SERVERS")
    expect(output).toContain(`the ${role} role needs Kafka`)
  })

  test("a TLS certificate without its key refuses to start, naming both settings", async () => {
    const { exitCode, output } = await start("all", { TLS_CERT_FILE: join(ROOT, "package.json") })
    expect(exitCode).not.toBe(0)
    expect(output).toContain("TLS_CERT_FILE and TLS_KEY_FILE")
  })
})
