import { readdirSync, readFileSync } from "node:fs"
import { sentNow } from "./ndjson-bodies.ts"

/** Small helpers shared by the benchmarks: percentiles, timing, memory of a child process. */

export const percentile = (sortedMs: ReadonlyArray<number>, p: number) =>
  sortedMs.length === 0 ? NaN : sortedMs[Math.min(sortedMs.length - 1, Math.ceil((p / 100) * sortedMs.length) - 1)]!

export const latencies = async (runs: number, once: () => Promise<unknown>) => {
  const samples: number[] = []
  for (let i = 0; i < runs; i++) {
    const started = performance.now()
    await once()
    samples.push(performance.now() - started)
  }
  samples.sort((a, b) => a - b)
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) }
}

/** Peak resident set size of a process, in MiB (Linux VmHWM). */
export const peakRssMiB = async (pid: number) => {
  const status = await Bun.file(`/proc/${pid}/status`).text()
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN)
  return kb / 1024
}

export const fmt = (n: number, digits = 1) => n.toLocaleString("en-US", { maximumFractionDigits: digits })

/**
 * POSTs `total` records as NDJSON batches of `batch` (cycling through `bodies`) with
 * `concurrency` requests in flight; counts what the server acknowledged. SEND_TIME in a body
 * becomes the time it is sent.
 */
export const sendNdjson = async (url: string, bodies: ReadonlyArray<string>, total: number, batch: number, concurrency: number) => {
  let next = 0
  let acknowledged = 0
  let failures = 0
  const started = performance.now()
  const sender = async () => {
    while (next * batch < total) {
      const body = sentNow(bodies[next++ % bodies.length]!)
      const response = await fetch(`${url}/api/v1/logs`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body })
      const result = (await response.json()) as { accepted?: number }
      if (response.ok) acknowledged += result.accepted ?? 0
      else failures++
    }
  }
  await Promise.all(Array.from({ length: concurrency }, sender))
  return { acknowledged, failures, seconds: (performance.now() - started) / 1000 }
}

/** CPU seconds (utime + stime) of each thread of a process, by thread id, with its name (Linux /proc). */
export const threadCpuSeconds = (pid: number): Map<string, { readonly name: string; readonly seconds: number }> => {
  const threads = new Map<string, { name: string; seconds: number }>()
  let tids: string[] = []
  try {
    tids = readdirSync(`/proc/${pid}/task`)
  } catch {
    return threads
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8")
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"))
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
      threads.set(tid, { name, seconds: (Number(fields[11]) + Number(fields[12])) / 100 })
    } catch {
      // A thread that ended meanwhile.
    }
  }
  return threads
}

/**
 * CPU spent per record between two `threadCpuSeconds` readings, in µs: in all, and by thread
 * (named as the OS knows it: Bun's worker threads are all "Worker"), the busiest first.
 */
export const cpuPerRecord = (
  before: ReturnType<typeof threadCpuSeconds>,
  after: ReturnType<typeof threadCpuSeconds>,
  records: number
): { readonly total: number; readonly byThread: ReadonlyArray<readonly [string, number]> } => {
  const byThread: Array<readonly [string, number]> = []
  let total = 0
  for (const [tid, { name, seconds }] of after) {
    const spent = seconds - (before.get(tid)?.seconds ?? 0)
    if (spent <= 0) continue
    total += spent
    byThread.push([name, (spent * 1e6) / records])
  }
  return { total: (total * 1e6) / records, byThread: byThread.sort((a, b) => b[1] - a[1]) }
}
