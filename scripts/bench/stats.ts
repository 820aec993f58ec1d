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
