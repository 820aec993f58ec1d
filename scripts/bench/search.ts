import { existsSync } from "node:fs"
import { join } from "node:path"
import { parseArgs } from "node:util"
import { Effect, Layer, ManagedRuntime } from "effect"
import { openDatabase } from "../../src/adapters/log-store/sqlite/open.ts"
import { storedRecordCount } from "../../src/adapters/log-store/sqlite/block-read.ts"
import { makeRecordWriter } from "../../src/adapters/log-store/sqlite/block-write.ts"
import { completeUpgrade } from "../../src/adapters/log-store/sqlite/upgrade.ts"
import { SqliteStoreLive } from "../../src/adapters/log-store/sqlite/store.ts"
import { queryLimits, toSearchRequest } from "../../src/api/routes/logs.ts"
import { loadConfig } from "../../src/config.ts"
import { normalise } from "../../src/domain/normalise.ts"
import { LogSynthesizer, SERVICE_NAMES } from "../../src/generator/synthesis.ts"
import { LogStore } from "../../src/ports/log-store.ts"
import { runLogqlBench } from "./logql.ts"
import { fmt, percentile } from "./stats.ts"

/**
 * `bun run bench search [--records 10000000] [--runs 200] [--budget-s 20] [--data-dir DIR]`: times the
 * embedded store's search (query language parsed as the API parses it, then
 * `LogStore.search` with the API's default page of 50 and its counting: exact up to 10,000, for at
 * most 50 ms) for one query per class — phrase, field, wildcard, range, boolean mix, one trace — over N
 * synthetic logs.
 *
 * The store is built once through the store's own batch writer (the same code the indexer's
 * writer thread runs, rollups included) in 10,000-record transactions, and kept in
 * `.bench/search-<N>/` (or `--data-dir`) so later runs reuse it.
 *
 * Each query runs `--runs` times, or fewer (at least 10) when that takes longer than
 * `--budget-s` seconds: a query that takes seconds is reported as such without holding the
 * machine for an hour. The printed `runs` says how many samples the percentiles come from.
 */

const ROOT = join(import.meta.dir, "../..")
// The API's counting settings (SEARCH_COUNT_CAP, SEARCH_COUNT_BUDGET_MS), as this environment sets them.
const settings = loadConfig()
const COUNT_CAP = settings.SEARCH_COUNT_CAP

/** Representative queries, a few per class. Each over the whole store (no time range) unless it says otherwise. */
const QUERIES: ReadonlyArray<{ readonly kind: string; readonly query: string; readonly window?: "1h" }> = [
  { kind: "phrase", query: '"connection timeout"' },
  { kind: "phrase", query: '"heap exhausted"' },
  { kind: "word", query: "declined OR 502" },
  { kind: "field", query: "service:payment-service level:ERROR" },
  { kind: "field", query: "host:auth-2 level:FATAL" },
  { kind: "field", query: "region:eu-west-1" },
  { kind: "wildcard", query: "service:pay* upstr*" },
  { kind: "wildcard", query: "gatew*" },
  { kind: "range", query: "status:[500 TO 599]" },
  { kind: "range", query: "duration_ms:>4900 service:order-service" },
  { kind: "range", query: "timestamp:[now-1h TO now] level:WARN", window: "1h" },
  { kind: "boolean", query: "(timeout OR broker) AND NOT service:auth-service" },
  { kind: "boolean", query: "level:ERROR AND (gateway OR NullPointerException) -inventory" }
]

const buildStore = (path: string, total: number) => {
  const db = openDatabase({ path, synchronous: "NORMAL", countCap: COUNT_CAP })
  try {
    completeUpgrade(db)
    const existing = storedRecordCount(db)
    if (existing >= total) return existing
    console.log(`building the store at ${path}: ${fmt(total, 0)} records (${fmt(existing, 0)} there already)`)
    const write = makeRecordWriter(db)
    const synth = new LogSynthesizer(SERVICE_NAMES.slice(0, 8))
    const now = Date.now()
    const span = 24 * 3_600_000
    const started = performance.now()
    for (let written = existing; written < total; ) {
      const batch = []
      for (let i = 0; i < 10_000 && written < total; i++, written++) {
        const log = synth.next(now - span + Math.floor((written / total) * span))
        // Numeric attributes, so that range queries have something to range over.
        const status = log.level === "ERROR" || log.level === "FATAL" ? 500 + (written % 4) : 200 + (written % 5 === 0 ? 4 : 0)
        const result = normalise({ ...log, attributes: { ...log.attributes, status, duration_ms: written % 5000 } }, now)
        if (result.ok) batch.push(result.record)
      }
      write(batch)
      if (written % 1_000_000 === 0 || written === total) {
        console.log(`  stored ${fmt(written, 0)} records (${fmt((written - existing) / ((performance.now() - started) / 1000), 0)} records/s)`)
      }
    }
    db.run("PRAGMA optimize")
    return total
  } finally {
    db.close()
  }
}

export const runSearchBench = async (argv: ReadonlyArray<string>) => {
  const { values } = parseArgs({
    args: [...argv],
    options: { records: { type: "string" }, runs: { type: "string" }, "budget-s": { type: "string" }, "data-dir": { type: "string" } }
  })
  const total = Number(values.records ?? 10_000_000)
  const runs = Number(values.runs ?? 200)
  const budgetMs = Number(values["budget-s"] ?? 20) * 1000
  if (!Number.isSafeInteger(total) || total < 1 || !Number.isSafeInteger(runs) || runs < 1 || !(budgetMs > 0)) {
    throw new Error("--records and --runs take positive integers, --budget-s a positive number")
  }
  const dataDir = values["data-dir"] ?? join(ROOT, ".bench", `search-${total}`)
  const path = join(dataDir, "logs.db")
  if (existsSync(path)) console.log(`reusing ${path}`)
  const stored = buildStore(path, total)

  const runtime = ManagedRuntime.make(
    Layer.orDie(
      SqliteStoreLive({
        path,
        synchronous: "NORMAL",
        countCap: COUNT_CAP,
        countBudgetMs: settings.SEARCH_COUNT_BUDGET_MS,
        searchTextCacheBytes: settings.SEARCH_TEXT_CACHE_MB * 1024 * 1024
      })
    )
  )
  try {
    const newest = await runtime.runPromise(Effect.flatMap(LogStore, (s) => s.search({ limit: 1 })))
    // Relative times count from the newest stored record, so that a reused store still has its last hour.
    const now = newest.logs[0]?.timestamp ?? Date.now()
    const timed = async (query: string) => {
      const request = await runtime.runPromise(toSearchRequest({ query, limit: 50 }, now, queryLimits(settings)))
      const search = Effect.flatMap(LogStore, (s) => s.search(request))
      // Untimed warm-up: statement preparation and the first page reads from disk.
      let last = await runtime.runPromise(search)
      for (let i = 0; i < 3; i++) await runtime.runPromise(search)
      const samples: number[] = []
      const deadline = performance.now() + budgetMs
      while (samples.length < runs && (samples.length < 10 || performance.now() < deadline)) {
        const started = performance.now()
        last = await runtime.runPromise(search)
        samples.push(performance.now() - started)
      }
      samples.sort((a, b) => a - b)
      return {
        p50: percentile(samples, 50),
        p99: percentile(samples, 99),
        runs: samples.length,
        matches: last.total_is_lower_bound ? `≥${fmt(last.total, 0)}` : fmt(last.total, 0)
      }
    }
    console.log(
      `search over ${fmt(stored, 0)} stored logs, up to ${runs} runs each within ${budgetMs / 1000} s (LogStore.search in process: page of 50 + count up to ${fmt(COUNT_CAP, 0)} or for ${settings.SEARCH_COUNT_BUDGET_MS} ms):`
    )
    console.log("  class     query                                                        matches      p50 (ms)   p99 (ms)   runs")
    const misses: string[] = []
    // One trace, from the oldest hour: its page is complete only once every block is ruled in or out.
    const old = await runtime.runPromise(Effect.flatMap(LogStore, (s) => s.search({ limit: 1, to: now - 23 * 3_600_000 })))
    const trace = old.logs[0]?.trace_id
    for (const { kind, query } of [...QUERIES, ...(trace ? [{ kind: "trace", query: `trace_id:${trace}` }] : [])]) {
      const { p50, p99, runs: n, matches } = await timed(query)
      if (p99 > 100) misses.push(`${kind}: ${query}`)
      console.log(
        `  ${kind.padEnd(9)} ${query.padEnd(60)} ${matches.padStart(8)} ${fmt(p50, 2).padStart(12)} ${fmt(p99, 2).padStart(10)} ${String(n).padStart(6)}${p99 > 100 ? "  > 100 ms" : ""}`
      )
    }
    console.log(misses.length === 0 ? "every query: p99 ≤ 100 ms" : `p99 over 100 ms: ${misses.join("; ")}`)
    await runLogqlBench(runtime, settings, { now, service: SERVICE_NAMES[0]!, runs, budgetMs })
  } finally {
    await runtime.dispose()
  }
}
