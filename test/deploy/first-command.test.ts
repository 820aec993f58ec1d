import { afterAll, describe, expect, test } from "bun:test"
import { cpSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { freePort } from "../support/server-process.ts"

/**
 * The README's first command, `npm install && npm start`, on a copy of the repository with every
 * dependency's install script blocked (`--ignore-scripts`, as an npm that enforces `allowScripts`
 * would do to one left unapproved): Bun's binary is then not put in place by its package, and
 * `npm start` must still serve LogFlow and its console.
 */

const ROOT = join(import.meta.dir, "../..")
const copy = mkdtempSync(join(tmpdir(), "logflow-first-command-"))
afterAll(() => rmSync(copy, { recursive: true, force: true }))

/** The files a clone would have (and new ones not yet committed), not what is ignored. */
const repositoryFiles = async () => {
  const list = Bun.spawn(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, stdout: "pipe" })
  return (await new Response(list.stdout).text()).split("\0").filter(Boolean)
}

const run = async (cmd: string[]) => {
  const proc = Bun.spawn(cmd, { cwd: copy, stdout: "pipe", stderr: "pipe" })
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
  return { code, output: out + err }
}

describe("npm install && npm start with install scripts blocked", () => {
  test("installs, puts Bun in place, builds the console and serves it", async () => {
    for (const path of await repositoryFiles()) cpSync(join(ROOT, path), join(copy, path), { recursive: true })
    // --prefer-offline: the packages are in npm's cache from this checkout's own install.
    const install = await run(["npm", "install", "--ignore-scripts", "--prefer-offline", "--no-audit", "--no-fund"])
    expect(install.code, install.output).toBe(0)
    // What the bun package leaves without its script: a placeholder that only prints how to fix it.
    expect((await run(["sh", "-c", "node_modules/.bin/bun --version"])).output).toContain("postinstall script was not run")

    const port = freePort()
    // In a session of its own, so that stopping it stops npm, its shell and the server alike.
    const server = Bun.spawn(["setsid", "npm", "start"], {
      cwd: copy,
      env: { ...process.env, API_HOST: "127.0.0.1", API_PORT: String(port), DATA_DIR: join(copy, "data"), LOGFLOW_ENV: "development" },
      stdout: "pipe",
      stderr: "pipe"
    })
    const stop = (signal: NodeJS.Signals) => {
      if (server.exitCode === null) process.kill(-server.pid, signal)
    }
    try {
      const deadline = Date.now() + 90_000
      let health: Response | undefined
      while (Date.now() < deadline && server.exitCode === null) {
        health = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined)
        if (health?.ok) break
        await Bun.sleep(250)
      }
      if (!health?.ok) {
        stop("SIGKILL")
        throw new Error(`npm start did not serve /health:\n${await new Response(server.stderr).text()}`)
      }
      const console = await fetch(`http://127.0.0.1:${port}/ui/`)
      expect(console.status).toBe(200)
      expect(await console.text()).toContain("<title>LogFlow")
    } finally {
      stop("SIGTERM")
      await server.exited
    }
  }, 180_000)
})
