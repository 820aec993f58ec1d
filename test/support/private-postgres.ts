import { chmodSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { freePort } from "./server-process.ts"

/**
 * A PostgreSQL server of the test's own (Debian's binaries through pg_ctl, run as the `postgres`
 * user since PostgreSQL refuses root), on a free loopback port, that the test can stop and
 * start again.
 */
const binDir = () => {
  const found = [...new Bun.Glob("/usr/lib/postgresql/*/bin/postgres").scanSync("/")].sort().at(-1)
  return found?.replace(/\/postgres$/, "")
}

export const privatePostgresAvailable = () => binDir() !== undefined && Bun.which("runuser") !== null

export const startPrivatePostgres = async () => {
  const bin = binDir()!
  const dir = mkdtempSync(join(tmpdir(), "logflow-pg-"))
  chmodSync(dir, 0o777)
  const data = join(dir, "data")
  const asPostgres = (args: string[]) => ["runuser", "-u", "postgres", "--", ...args]
  const init = Bun.spawnSync(asPostgres([`${bin}/initdb`, "-D", data, "-A", "trust", "-U", "postgres"]), { stdout: "ignore", stderr: "pipe" })
  if (init.exitCode !== 0) throw new Error(`initdb failed: ${init.stderr.toString()}`)
  const port = freePort()
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`
  const pgCtl = (args: string[]) => {
    const result = Bun.spawnSync(asPostgres([`${bin}/pg_ctl`, "-D", data, "-w", ...args]), { stdout: "ignore", stderr: "pipe" })
    if (result.exitCode !== 0) throw new Error(`pg_ctl ${args.at(-1)} failed: ${result.stderr.toString()}`)
  }
  let running = false
  const start = async () => {
    pgCtl(["-l", join(dir, "postgres.log"), "-o", `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir}`, "start"])
    running = true
  }
  const stop = async () => {
    if (running) pgCtl(["-m", "fast", "stop"])
    running = false
  }
  await start()
  return { url, start, stop, remove: () => rmSync(dir, { recursive: true, force: true }) }
}
