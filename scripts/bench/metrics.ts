import { parseArgs } from "node:util"
import { openDatabase } from "../../src/adapters/log-store/sqlite/open.ts"
import { storedRecordCount } from "../../src/adapters/log-store/sqlite/block-read.ts"
import { makeRecordWriter } from "../../src/adapters/log-store/sqlite/block-write.ts"
import { completeUpgrade } from "../../src/adapters/log-store/sqlite/upgrade.ts"
import { normalise } from "../../src/domain/normalise.ts"
import { LogSynthesizer, SERVICE_NAMES } from "../../src/generator/synthesis.ts"
import { makeDataDir, removeDataDir, startServer, stopServer } from "../../test/support/server-process.ts"
import { fmt, latencies } from "./stats.ts"

/**
 * `bun run bench metrics [--records 10000000] [--runs 200]`: fills a store with synthetic logs
 * spread over the last 24 hours (written straight through the store's batch writer, which also
 * writes the rollups), starts LogFlow on it, and times each metrics endpoint cold (cache
 * cleared before every request) and warm (served from the cache).
 */
export const runMetricsBench = async (argv: ReadonlyArray<string>) => {
  const { values } = parseArgs({ args: [...argv], options: { records: { type: "string" }, runs: { type: "string" }, "data-dir": { type: "string" } } })
  const total = Number(values.records ?? 10_000_000)
  const runs = Number(values.runs ?? 200)
  const dataDir = values["data-dir"] ?? makeDataDir()
  const storePath = `${dataDir}/logs.db`

  const db = openDatabase({ path: storePath, synchronous: "NORMAL", countCap: 10_000 })
  completeUpgrade(db)
  const existing = storedRecordCount(db)
  if (existing < total) {
    const write = makeRecordWriter(db)
    const synth = new LogSynthesizer(SERVICE_NAMES.slice(0, 8))
    const now = Date.now()
    const started = performance.now()
    const span = 24 * 3_600_000
    for (let written = existing; written < total; ) {
      const batch = []
      for (let i = 0; i < 10_000 && written < total; i++, written++) {
        const result = normalise(synth.next(now - span + Math.floor((written / total) * span)), now)
        if (result.ok) batch.push(result.record)
      }
      write(batch)
      if (written % 1_000_000 === 0) console.log(`  stored ${fmt(written, 0)} records (${fmt(written / ((performance.now() - started) / 1000), 0)} records/s)`)
    }
  }
  db.close()

  const server = await startServer({ dataDir, env: { LOG_LEVEL: "warning", RATE_LIMIT_ENABLED: "false", ADMIN_PASSWORD: "bench-admin-password" } })
  try {
    const login = await fetch(`${server.url}/api/v1/auth/login`, {
      method: "POST",
      body: new URLSearchParams({ username: "admin", password: "bench-admin-password" })
    })
    const token = ((await login.json()) as { access_token: string }).access_token
    const clear = () => fetch(`${server.url}/api/v1/cache/clear?pattern=metrics:*`, { method: "DELETE", headers: { authorization: `Bearer ${token}` } })
    console.log(`metrics over ${fmt(total, 0)} stored logs, ${runs} requests each (HTTP round trip):`)
    console.log("  endpoint                               cold p50 / p99 (ms)    warm p50 / p99 (ms)    speed-up (p50)")
    const paths = [
      "/api/v1/metrics/overview",
      "/api/v1/metrics/service/payment-service",
      "/api/v1/metrics/system",
      "/api/v1/metrics/timeseries?interval=5m&from=now-24h"
    ]
    // Untimed warm-up: JIT compilation of both processes' hot paths would otherwise land in the p99.
    for (let i = 0; i < 300; i++) {
      for (const path of paths) {
        if (i % 10 === 0) await clear()
        await (await fetch(`${server.url}${path}`)).text()
      }
    }
    for (const path of paths) {
      const samples: number[] = []
      for (let i = 0; i < runs; i++) {
        await clear()
        const started = performance.now()
        await (await fetch(`${server.url}${path}`)).json()
        samples.push(performance.now() - started)
      }
      samples.sort((a, b) => a - b)
      const cold = { p50: samples[Math.floor(runs * 0.5)]!, p99: samples[Math.min(runs - 1, Math.ceil(runs * 0.99) - 1)]! }
      await fetch(`${server.url}${path}`)
      const warm = await latencies(runs, () => fetch(`${server.url}${path}`).then((r) => r.json()))
      console.log(
        `  ${path.padEnd(38)} ${fmt(cold.p50, 2).padStart(8)} / ${fmt(cold.p99, 2).padEnd(10)} ${fmt(warm.p50, 2).padStart(8)} / ${fmt(warm.p99, 2).padEnd(10)} ${fmt(cold.p50 / warm.p50, 1)}x`
      )
    }
  } finally {
    await stopServer(server)
    if (values["data-dir"] === undefined) removeDataDir(dataDir)
  }
}
