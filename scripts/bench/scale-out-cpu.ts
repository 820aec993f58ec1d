import { readFileSync } from "node:fs"

/**
 * CPU time of the processes a scale-out run uses, so a role's cost per record is known apart
 * from how many cores the machine has: LogFlow's own processes through their
 * `process_cpu_seconds_total`, the engines (Java processes LogFlow does not run) through
 * /proc/<pid>/stat, found by the port they listen on.
 */

/** `process_cpu_seconds_total` of a LogFlow process, read from its /metrics. */
export const logflowCpuSeconds = async (url: string) => {
  const text = await (await fetch(`${url}/metrics`)).text()
  const line = text.split("\n").find((l) => l.startsWith("process_cpu_seconds_total "))
  if (!line) throw new Error(`${url}/metrics has no process_cpu_seconds_total`)
  return Number(line.split(" ")[1])
}

/** Linux counts utime and stime in clock ticks; USER_HZ is 100 on every architecture Bun runs on. */
const TICKS_PER_SECOND = 100

/** utime + stime of a process, in seconds, or NaN when it cannot be read. */
export const procCpuSeconds = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND
  } catch {
    return Number.NaN
  }
}

/** The pid listening on a TCP port on this machine (from `ss -ltnp`), if it can be seen. */
export const pidListeningOn = (port: number): number | undefined => {
  const ss = Bun.spawnSync(["ss", "-ltnpH", `sport = :${port}`], { stdout: "pipe", stderr: "pipe" })
  const pid = /pid=(\d+)/.exec(ss.stdout.toString())?.[1]
  return pid === undefined ? undefined : Number(pid)
}

/** The port of the first address in a list such as `http://127.0.0.1:19200,…` or `127.0.0.1:19092`. */
export const portOf = (addresses: string) => {
  const first = addresses.split(",")[0]!.trim()
  return Number(first.includes("://") ? new URL(first).port : first.split(":").at(-1))
}

/** A named set of CPU readers; `since()` gives each one's seconds spent since the last mark. */
export class CpuMeter {
  private readonly start = new Map<string, number>()
  constructor(private readonly readers: ReadonlyMap<string, () => Promise<number> | number>) {}

  private async readAll() {
    const out = new Map<string, number>()
    for (const [name, read] of this.readers) out.set(name, await read())
    return out
  }

  async mark() {
    for (const [name, value] of await this.readAll()) this.start.set(name, value)
  }

  async since() {
    const out = new Map<string, number>()
    for (const [name, value] of await this.readAll()) out.set(name, value - (this.start.get(name) ?? Number.NaN))
    return out
  }
}
