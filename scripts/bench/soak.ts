import { parseArgs } from "node:util"
import { disposeServer, startServer } from "../../test/support/server-process.ts"
import { ndjsonBodies, sentNow } from "./ndjson-bodies.ts"
import { fmt, percentile } from "./stats.ts"

/**
 * `bun run bench soak [--minutes 5] [--rate 60000]`: a bounded soak on loopback. Writers ingest
 * NDJSON at a steady rate (default ~70% of the measured maximum on the 2-core machine) while a
 * reader mixes searches, metrics and lookups; every minute it prints the server's RSS and the
 * p99 of writes and reads, so a growth trend shows.
 */
export const runSoakBench = async (argv: ReadonlyArray<string>) => {
  const { values } = parseArgs({ args: [...argv], options: { minutes: { type: "string" }, rate: { type: "string" } } })
  const minutes = Number(values.minutes ?? 5)
  const rate = Number(values.rate ?? 60_000)
  const batch = 1000
  const bodies = ndjsonBodies(32, batch, { live: true })

  const server = await startServer({ env: { LOG_LEVEL: "warning", RATE_LIMIT_ENABLED: "false" } })
  const rss = async () => Number(/VmRSS:\s+(\d+)/.exec(await Bun.file(`/proc/${server.process.pid}/status`).text())?.[1] ?? 0) / 1024
  console.log(`soak: ${minutes} min, ${fmt(rate, 0)} records/s in batches of ${batch}, reads in parallel, server pid ${server.process.pid}`)
  console.log("  minute   RSS MiB   ingest rec/s   write p99 ms   read p99 ms   errors")
  const endsAt = Date.now() + minutes * 60_000
  let writes: number[] = []
  let reads: number[] = []
  let records = 0
  let errors = 0
  const timed = async (samples: number[], request: () => Promise<Response>) => {
    const started = performance.now()
    const response = await request().catch(() => undefined)
    samples.push(performance.now() - started)
    if (!response?.ok) errors++
    await response?.arrayBuffer()
    return response
  }
  // Enough writers, each waiting for its answer, to keep the rate up while reads run.
  const writers = 8
  const writer = async () => {
    let sent = 0
    const started = Date.now()
    while (Date.now() < endsAt) {
      // Each writer sends its share of the rate.
      const due = (((Date.now() - started) / 1000) * rate) / writers
      if (sent * batch >= due) {
        await Bun.sleep(5)
        continue
      }
      const body = sentNow(bodies[sent++ % bodies.length]!)
      const response = await timed(writes, () =>
        fetch(`${server.url}/api/v1/logs`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body })
      )
      if (response?.ok) records += batch
    }
  }
  const reader = async () => {
    const paths = [
      "/api/v1/logs/search?query=timeout&limit=50",
      "/api/v1/logs/search?service=payment-service&level=ERROR",
      "/api/v1/metrics/overview",
      "/api/v1/logs/recent?limit=20",
      "/api/v1/logs/facets?query=error"
    ]
    for (let i = 0; Date.now() < endsAt; i++) {
      await timed(reads, () => fetch(`${server.url}${paths[i % paths.length]}`))
      await Bun.sleep(20)
    }
  }
  const reporter = async () => {
    for (let minute = 1; Date.now() < endsAt; minute++) {
      const until = Math.min(endsAt, Date.now() + 60_000)
      const before = records
      while (Date.now() < until) await Bun.sleep(200)
      const w = [...writes].sort((a, b) => a - b)
      const r = [...reads].sort((a, b) => a - b)
      console.log(
        `  ${String(minute).padStart(6)}   ${fmt(await rss(), 0).padStart(7)}   ${fmt((records - before) / 60, 0).padStart(12)}   ${fmt(percentile(w, 99), 1).padStart(12)}   ${fmt(percentile(r, 99), 1).padStart(11)}   ${errors}`
      )
      writes = []
      reads = []
    }
  }
  try {
    await Promise.all([...Array.from({ length: writers }, writer), reader(), reporter()])
  } finally {
    await disposeServer(server)
  }
}
