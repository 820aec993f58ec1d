import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { type ForegroundDaemon, startForegroundDaemon } from "./foreground-daemon.ts"

/**
 * Real clients that are no installed program: Debian's rsyslog unpacked into a folder of its own
 * (it conflicts with syslog-ng as a package) and a log4j2 program built with Maven, both put in
 * place once by scripts/clients/fetch.sh under .engines/clients. In CI one that cannot be had
 * fails the tests (like the engines); elsewhere they are skipped with the reason printed.
 */

const ROOT = join(import.meta.dir, "../..")
const CLIENTS = join(process.env.ENGINES_DIR ?? join(ROOT, ".engines"), "clients")

export type Client = "rsyslog" | "log4j2-syslog"

/** The client's folder, or undefined (tests skipped) when it cannot be had outside CI. Call at the top level of a test file. */
export const useClient = (client: Client): string | undefined => {
  const fetched = Bun.spawnSync(["bash", join(ROOT, "scripts/clients/fetch.sh"), client], { stdout: "pipe", stderr: "pipe" })
  if (fetched.exitCode === 0) return join(CLIENTS, client)
  const why = `scripts/clients/fetch.sh ${client} failed:\n${fetched.stderr.toString()}`
  if (process.env.CI) throw new Error(`${client} is required in CI: ${why}`)
  console.warn(`skipping the ${client} tests: ${why}`)
  return undefined
}

/** Starts the unpacked rsyslogd in the foreground with `body` as its configuration; ready once `readyPort` accepts TCP connections. */
export const startRsyslog = (home: string, body: (dir: string) => string, readyPort: number): Promise<ForegroundDaemon> => {
  const libs = join(home, "usr/lib/x86_64-linux-gnu")
  return startForegroundDaemon(
    "rsyslog",
    (dir) => [join(home, "usr/sbin/rsyslogd"), "-n", "-f", join(dir, "rsyslog.conf"), "-i", join(dir, "rsyslog.pid"), "-M", join(libs, "rsyslog")],
    readyPort,
    (dir) => writeFileSync(join(dir, "rsyslog.conf"), `global(workDirectory="${dir}")\n${body(dir)}\n`),
    // Its own libraries beside the system's; BSD dates are local time, and LogFlow reads them as UTC.
    { LD_LIBRARY_PATH: libs, TZ: "UTC" }
  )
}
