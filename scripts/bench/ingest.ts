import { parseArgs } from "node:util"
import { disposeServer, startServer } from "../../test/support/server-process.ts"
import { parseProtocols, runProtocolBench } from "./ingest-protocols.ts"
import { ndjsonBodies } from "./ndjson-bodies.ts"
import { cpuPerRecord, fmt, latencies, peakRssMiB, sendNdjson, threadCpuSeconds } from "./stats.ts"

/**
 * `bun run bench ingest [--records 1000000] [--warmup 200000] [--batch 1000] [--concurrency 16]`:
 * starts LogFlow with a fresh DATA_DIR, sends `--warmup` records untimed (while the JIT compiles
 * the hot paths, as it has long done in a server that has been up a while), then times NDJSON
 * batches over HTTP until `--records` more are acknowledged (acknowledged = committed and
 * searchable), then measures search latency over everything it stored.
 * Bodies are prepared before the clock starts so the client spends its time sending.
 * With `--protocol otlp,otlp-proto,otlp-grpc,bulk,loki,loki-proto,forward,syslog` it compares those protocols' sustained
 * ingest with plain NDJSON instead (`--records` per protocol, default 200,000; see ingest-protocols.ts).
 */

export const runIngestBench = async (argv: ReadonlyArray<string>) => {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      records: { type: "string" },
      warmup: { type: "string" },
      batch: { type: "string" },
      concurrency: { type: "string" },
      searches: { type: "string" },
      protocol: { type: "string" }
    }
  })
  if (values.protocol !== undefined) {
    return runProtocolBench({
      protocols: parseProtocols(values.protocol),
      records: Number(values.records ?? 200_000),
      batch: Number(values.batch ?? 1000),
      concurrency: Number(values.concurrency ?? 16)
    })
  }
  const total = Number(values.records ?? 1_000_000)
  const warmup = Number(values.warmup ?? 200_000)
  const batch = Number(values.batch ?? 1000)
  const concurrency = Number(values.concurrency ?? 16)
  const searches = Number(values.searches ?? 200)

  // Timestamps of the time of sending, as live traffic has.
  const bodies = ndjsonBodies(64, batch, { live: true })
  const bytesPerBatch = Buffer.byteLength(bodies[0]!)

  // The bench measures the pipeline, not the per-client limits a real deployment keeps on.
  const server = await startServer({ env: { LOG_LEVEL: "warning", RATE_LIMIT_ENABLED: "false" } })
  console.log(
    `ingest: ${fmt(total, 0)} records (after ${fmt(warmup, 0)} untimed) in NDJSON batches of ${batch} (${fmt(bytesPerBatch / 1024)} KiB), ${concurrency} concurrent requests, server pid ${server.process.pid}`
  )
  try {
    const warm = await sendNdjson(server.url, bodies, warmup, batch, concurrency)
    console.log(`  warm-up: ${fmt(warm.acknowledged, 0)} records at ${fmt(warm.acknowledged / warm.seconds, 0)} records/s (${warm.failures} failed requests)`)
    const cpuBefore = threadCpuSeconds(server.process.pid)
    const { acknowledged, failures, seconds } = await sendNdjson(server.url, bodies, total, batch, concurrency)
    const cpu = cpuPerRecord(cpuBefore, threadCpuSeconds(server.process.pid), acknowledged)
    const rssAfterIngest = await peakRssMiB(server.process.pid)
    console.log(
      `  sustained ingest: ${fmt(acknowledged / seconds, 0)} records/s (${fmt(acknowledged, 0)} acknowledged in ${fmt(seconds, 2)} s, ${failures} failed requests, ${fmt(((acknowledged / seconds) * bytesPerBatch) / batch / 1048576)} MiB/s)`
    )

    console.log(
      `  server CPU per record: ${fmt(cpu.total, 2)} µs (${cpu.byThread
        .filter(([, us]) => us >= 0.05)
        .map(([name, us]) => `${name} ${fmt(us, 2)}`)
        .join(", ")})`
    )
    const selective = await latencies(searches, () =>
      fetch(`${server.url}/api/v1/logs/search?service=payment-service&level=FATAL&query=heap&limit=50`).then((r) => r.json())
    )
    const broad = await latencies(searches, () => fetch(`${server.url}/api/v1/logs/search?query=timeout&limit=50`).then((r) => r.json()))
    const recent = await latencies(searches, () => fetch(`${server.url}/api/v1/logs/recent?limit=50`).then((r) => r.json()))
    console.log(`  search over ${fmt(warm.acknowledged + acknowledged, 0)} records (${searches} runs each, HTTP round trip):`)
    console.log(`    selective (service=payment-service level=FATAL query=heap): p50 ${fmt(selective.p50, 2)} ms, p99 ${fmt(selective.p99, 2)} ms`)
    console.log(`    broad     (query=timeout):                                   p50 ${fmt(broad.p50, 2)} ms, p99 ${fmt(broad.p99, 2)} ms`)
    console.log(`    recent    (no filter):                                       p50 ${fmt(recent.p50, 2)} ms, p99 ${fmt(recent.p99, 2)} ms`)
    const patterns = await patternCounts(server.url, warm.acknowledged + acknowledged)
    if (patterns !== undefined)
      console.log(
        `  patterns: ${Object.entries(patterns)
          .map(([result, n]) => `${fmt(n, 0)} ${result}`)
          .join(", ")} of ${fmt(warm.acknowledged + acknowledged, 0)} records`
      )
    console.log(`  server peak RSS: ${fmt(Math.max(rssAfterIngest, await peakRssMiB(server.process.pid)), 0)} MiB`)
  } finally {
    await disposeServer(server)
  }
}

/**
 * `logflow_pattern_records_total` by result, once every record stored is accounted for (the
 * learner counts what it learned at its next write, every PATTERNS_FLUSH_MS), or after 15 s;
 * undefined when patterns are off.
 */
const patternCounts = async (url: string, records: number): Promise<Record<string, number> | undefined> => {
  const deadline = Date.now() + 15_000
  for (;;) {
    const text = await fetch(`${url}/metrics`).then((r) => r.text())
    const counts: Record<string, number> = {}
    for (const m of text.matchAll(/^logflow_pattern_records_total\{result="(\w+)"\} (\d+)/gm)) counts[m[1]!] = Number(m[2])
    const seen = Object.values(counts).reduce((a, b) => a + b, 0)
    if (seen === 0 && Date.now() > deadline) return undefined
    if (seen >= records || Date.now() > deadline) return counts
    await Bun.sleep(500)
  }
}
