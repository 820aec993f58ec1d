import { parseArgs } from "node:util"
import { LogSynthesizer, SERVICE_NAMES } from "../../src/generator/synthesis.ts"
import { makeDataDir, removeDataDir, startServer, stopServer } from "../../test/support/server-process.ts"
import { fmt, percentile } from "./stats.ts"

/**
 * `bun run bench search-under-ingest [--rate 100000] [--seconds 20] [--records 500000] [--readers N] [--search-rate 2]`:
 * what the embedded store's reader threads are for. Against a running server holding `--records`
 * synthetic logs, one client per query class searches (`GET /api/v1/logs/search`, page of 50)
 * `--search-rate` times a second, as dashboards and people do (0: back to back, which on a
 * small machine takes the cores ingest needs), and a prober times `GET /health` every 20 ms,
 * first with no ingest, then while 16 shippers send NDJSON batches of 1,000 at `--rate`
 * records/s (paced; the rate reached is printed, as a small machine may not reach the one
 * asked). p50/p99 of each, both phases, side by side. `--readers` sets SEARCH_READERS
 * (default: cores − 1, at least 1).
 */

const QUERIES: ReadonlyArray<{ readonly kind: string; readonly query: string }> = [
  { kind: "phrase", query: '"connection timeout"' },
  { kind: "field", query: "service:payment-service level:ERROR" },
  { kind: "wildcard", query: "gatew*" },
  { kind: "range", query: "status:[500 TO 599]" },
  { kind: "boolean", query: "(timeout OR broker) AND NOT service:auth-service" }
]
const BATCH = 1_000
const SHIPPERS = 16

const bodies = (count: number) => {
  const synth = new LogSynthesizer(SERVICE_NAMES.slice(0, 8))
  return Array.from({ length: count }, (_, b) =>
    Array.from({ length: BATCH }, (_, i) => {
      const log = synth.next(Date.now())
      const status = log.level === "ERROR" || log.level === "FATAL" ? 500 + (i % 4) : 200
      return JSON.stringify({ ...log, attributes: { ...log.attributes, status, batch: b } })
    }).join("\n")
  )
}

const refusals = new Map<number, number>()
const post = async (url: string, body: string) => {
  const response = await fetch(`${url}/api/v1/logs`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body })
  const answer = (await response.json()) as { accepted?: number }
  if (!response.ok) refusals.set(response.status, (refusals.get(response.status) ?? 0) + 1)
  return response.ok ? (answer.accepted ?? 0) : 0
}

/**
 * Repeats `once` until `running()` is false, starting it every `everyMs` (at once after an
 * answer that came later than that; 0: back to back), and returns its latencies in ms.
 */
const repeat = async (running: () => boolean, once: () => Promise<unknown>, everyMs: number, offsetMs = 0) => {
  const samples: number[] = []
  if (offsetMs > 0) await Bun.sleep(offsetMs)
  const first = performance.now()
  for (let k = 1; running(); k++) {
    const started = performance.now()
    await once()
    samples.push(performance.now() - started)
    const wait = first + k * everyMs - performance.now()
    if (wait > 0) await Bun.sleep(wait)
  }
  return samples.sort((a, b) => a - b)
}

export const runSearchUnderIngestBench = async (argv: ReadonlyArray<string>) => {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      rate: { type: "string" },
      seconds: { type: "string" },
      records: { type: "string" },
      readers: { type: "string" },
      "search-rate": { type: "string" }
    }
  })
  const rate = Number(values.rate ?? 100_000)
  const searchRate = Number(values["search-rate"] ?? 2)
  const seconds = Number(values.seconds ?? 20)
  const records = Number(values.records ?? 500_000)
  if (!(rate > 0) || !(seconds > 0) || !(searchRate >= 0) || !Number.isSafeInteger(records) || records < BATCH) {
    throw new Error("--rate and --seconds take positive numbers, --search-rate a number of at least 0, --records an integer of at least 1,000")
  }
  const dataDir = makeDataDir()
  const server = await startServer({
    dataDir,
    env: { LOG_LEVEL: "warning", RATE_LIMIT_ENABLED: "false", PATTERNS_ENABLED: "false", ...(values.readers ? { SEARCH_READERS: values.readers } : {}) }
  })
  try {
    const payloads = bodies(20)
    console.log(`loading ${fmt(records, 0)} records…`)
    for (let sent = 0; sent < records; sent += BATCH * 4) {
      await Promise.all(Array.from({ length: 4 }, (_, w) => post(server.url, payloads[(sent / BATCH + w) % payloads.length]!)))
    }

    const phase = async (ingesting: boolean) => {
      let running = true
      let accepted = 0
      const started = performance.now()
      // Paced: a shipper sends its next batch once the schedule allows; SHIPPERS of them, as many requests in flight as `bench ingest` keeps (an answer waits for the commit).
      let scheduled = 0
      const shippers = ingesting
        ? Array.from({ length: SHIPPERS }, async () => {
            while (running) {
              const due = started + (scheduled / rate) * 1000
              scheduled += BATCH
              const wait = due - performance.now()
              if (wait > 0) await Bun.sleep(wait)
              if (!running) break
              // Not `accepted += await …`: that reads `accepted` before the wait, and the other shippers' counts made meanwhile are lost.
              const stored = await post(server.url, payloads[(scheduled / BATCH) % payloads.length]!)
              accepted += stored
            }
          })
        : []
      // Paced clients start spread over one interval, so their searches arrive evenly, not five at once.
      const everyMs = searchRate > 0 ? 1000 / searchRate : 0
      const searches = QUERIES.map(({ query }, i) => {
        const search = `${server.url}/api/v1/logs/search?${new URLSearchParams({ query, limit: "50" })}`
        return repeat(
          () => running,
          () => fetch(search).then((r) => r.arrayBuffer()),
          everyMs,
          (i * everyMs) / QUERIES.length
        )
      })
      const health = repeat(
        () => running,
        () => fetch(`${server.url}/health`).then((r) => r.arrayBuffer()),
        20
      )
      await Bun.sleep(seconds * 1000)
      running = false
      const elapsed = (performance.now() - started) / 1000
      await Promise.all(shippers)
      return { searches: await Promise.all(searches), health: await health, rate: accepted / elapsed }
    }

    const quiet = await phase(false)
    const busy = await phase(true)
    const [load1] = (await Bun.file("/proc/loadavg").text()).split(" ")
    console.log(
      `search while ingesting, ${fmt(records, 0)} records stored, ${seconds} s per phase, ${searchRate > 0 ? `${searchRate} searches/s per query class` : "searches back to back"}, SEARCH_READERS=${values.readers ?? "default (cores − 1)"}, ${navigator.hardwareConcurrency} cores, load average ${load1}:`
    )
    console.log(
      `  ingest asked ${fmt(rate, 0)} records/s, reached ${fmt(busy.rate, 0)} records/s${refusals.size > 0 ? ` (batches refused: ${[...refusals].map(([status, n]) => `${n}×${status}`).join(", ")})` : ""}`
    )
    console.log("  request                                                        no ingest p50 / p99 (ms)   ingesting p50 / p99 (ms)   runs")
    const row = (name: string, a: number[], b: number[]) =>
      console.log(
        `  ${name.padEnd(62)} ${`${fmt(percentile(a, 50))} / ${fmt(percentile(a, 99))}`.padStart(24)} ${`${fmt(percentile(b, 50))} / ${fmt(percentile(b, 99))}`.padStart(26)}   ${a.length}/${b.length}`
      )
    QUERIES.forEach(({ kind, query }, i) => row(`${kind.padEnd(9)} ${query}`, quiet.searches[i]!, busy.searches[i]!))
    row("GET /health (every 20 ms)", quiet.health, busy.health)
  } finally {
    await stopServer(server)
    removeDataDir(dataDir)
  }
}
