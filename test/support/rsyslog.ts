import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { inCI } from "./ci.ts"
import { startForegroundDaemon, type ForegroundDaemon } from "./foreground-daemon.ts"

/**
 * Debian's rsyslog for tests, without installing it: Debian's rsyslog and syslog-ng packages
 * conflict (both are the system log daemon), and the suite's syslog-ng is installed. So the
 * packages are fetched with `apt-get download` and unpacked with `dpkg -x` into a folder of
 * their own, once (`.engines/rsyslog`, or under $ENGINES_DIR), with the two libraries rsyslogd
 * needs that a machine without rsyslog lacks. rsyslogd then runs in the foreground from a test's
 * configuration in a temporary directory. In CI an rsyslog that cannot be had fails the tests.
 */

const ROOT = join(import.meta.dir, "../..")
const PACKAGES = ["rsyslog", "rsyslog-elasticsearch", "libestr0", "libfastjson4"]
const CACHE = join(process.env.ENGINES_DIR ?? join(ROOT, ".engines"), "rsyslog")
const LIBRARIES = join(CACHE, "usr/lib/x86_64-linux-gnu")
const MODULES = join(LIBRARIES, "rsyslog")
const RSYSLOGD = join(CACHE, "usr/sbin/rsyslogd")

const run = (argv: string[], cwd: string, env: Record<string, string> = {}) => {
  const result = Bun.spawnSync(argv, { cwd, env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" })
  if (result.exitCode !== 0) throw new Error(`${argv.join(" ")} failed: ${result.stderr.toString().trim()}`)
  return result.stdout.toString()
}

/** Downloads and unpacks the packages unless a previous run did; the folder appears whole or not at all. */
const fetchRsyslog = () => {
  if (existsSync(join(MODULES, "omelasticsearch.so"))) return
  mkdirSync(join(CACHE, ".."), { recursive: true })
  const work = mkdtempSync(`${CACHE}.partial-`)
  try {
    run(["apt-get", "download", ...PACKAGES], work)
    const tree = join(work, "tree")
    for (const deb of readdirSync(work).filter((f) => f.endsWith(".deb"))) run(["dpkg", "-x", deb, tree], work)
    const libraries = join(tree, "usr/lib/x86_64-linux-gnu")
    const lacking = run(["ldd", join(tree, "usr/sbin/rsyslogd"), join(libraries, "rsyslog/omelasticsearch.so")], work, { LD_LIBRARY_PATH: libraries })
      .split("\n")
      .filter((line) => line.includes("not found"))
      .map((line) => line.trim().split(" ")[0])
    if (lacking.length > 0) throw new Error(`rsyslogd needs libraries this machine lacks: ${lacking.join(", ")}`)
    rmSync(CACHE, { recursive: true, force: true })
    renameSync(tree, CACHE)
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

/** Whether rsyslog can run here: in CI a failure to get it is an error, elsewhere a skip with the reason. */
export const rsyslogAvailable = (): boolean => {
  try {
    fetchRsyslog()
    return true
  } catch (e) {
    const why = `rsyslog could not be fetched (apt-get download ${PACKAGES.join(" ")}): ${(e as Error).message}`
    if (inCI()) throw new Error(`rsyslog is required in CI: ${why}`)
    console.warn(`skipping the rsyslog tests: ${why}`)
    return false
  }
}

/** Starts rsyslogd in the foreground with `config` (its work directory is the daemon's), ready once `readyPort` accepts TCP. */
export const startRsyslog = (config: (dir: string) => string, readyPort: number): Promise<ForegroundDaemon> =>
  startForegroundDaemon(
    "rsyslog",
    (dir) => [RSYSLOGD, "-n", "-f", join(dir, "rsyslog.conf"), "-i", join(dir, "rsyslogd.pid"), "-M", MODULES],
    readyPort,
    (dir) => writeFileSync(join(dir, "rsyslog.conf"), `global(workDirectory="${dir}")\n${config(dir)}\n`),
    { LD_LIBRARY_PATH: LIBRARIES, TZ: "UTC" }
  )
