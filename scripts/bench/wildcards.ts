import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"
import { Effect, Layer, ManagedRuntime } from "effect"
import { SqliteStoreLive } from "../../src/adapters/log-store/sqlite/store.ts"
import { parseTextQuery } from "../../src/domain/text-query.ts"
import { ulid } from "../../src/domain/ulid.ts"
import type { LogRecord } from "../../src/domain/log-record.ts"
import { LogStore } from "../../src/ports/log-store.ts"
import { fmt, percentile } from "./stats.ts"

/**
 * `bun run bench wildcards [--records 3000] [--runs 20] [--max-ratio 3]`: the cost of wildcard
 * terms over the same bytes. Stores records made of long runs of `a` (20 words of 200 `a`s,
 * about 4 KiB each, the shape that made 200 `a*` terms run 17–20 s when each term scanned on
 * its own) that end in the word `omega`, then counts every match per minute
 * (`LogStore.histogram`: every row of every block is matched, nothing sampled) for:
 *
 * - `a*`: one term, which the store finds with a plain text search that stops at a row's first
 *   match, and the automaton stops there too once every term is found: printed, not compared;
 * - `a* omega*`: two terms, whose second is found only at a row's end, so the query automaton's
 *   one pass reads every byte of every row;
 * - 200 terms (199 × `a*`, `omega*`) and 60 distinct ones (the prefixes `a*` … (59 `a`s)`*`,
 *   `omega*`: as many as a query's 4,096 characters hold), each matching every record: the
 *   same pass over the same bytes.
 *
 * It prints each p50 and the ratios to two terms; one pass matches every term, so they stay a
 * small constant, and above `--max-ratio` the bench exits with status 1.
 */

const record = (i: number, at: number): LogRecord => ({
  id: ulid(at),
  timestamp: at,
  received_at: at,
  service: `runs-${i % 4}`,
  level: "INFO",
  message: `${Array.from({ length: 20 }, () => "a".repeat(200)).join(" ")} a${i} omega`,
  attributes: {}
})

export const runWildcardsBench = async (argv: ReadonlyArray<string>) => {
  const { values } = parseArgs({ args: [...argv], options: { records: { type: "string" }, runs: { type: "string" }, "max-ratio": { type: "string" } } })
  const total = Number(values.records ?? 3000)
  const runs = Number(values.runs ?? 20)
  const maxRatio = Number(values["max-ratio"] ?? 3)
  const dir = mkdtempSync(join(tmpdir(), "logflow-bench-wildcards-"))
  // Reads on this thread: the figure is the matcher's, not a thread hand-off's.
  const runtime = ManagedRuntime.make(Layer.orDie(SqliteStoreLive({ path: join(dir, "logs.db"), synchronous: "NORMAL", countCap: 10_000 })))
  try {
    const now = Date.now()
    const records = Array.from({ length: total }, (_, i) => record(i, now - total + i))
    for (let i = 0; i < records.length; i += 1000) await runtime.runPromise(Effect.flatMap(LogStore, (s) => s.index(records.slice(i, i + 1000))))
    const p50 = async (terms: ReadonlyArray<string>) => {
      const text = parseTextQuery(terms.join(" "))!
      const histogram = Effect.flatMap(LogStore, (s) => s.histogram({ text }, 60_000))
      const counted = (await runtime.runPromise(histogram)).reduce((sum, b) => sum + b.count, 0)
      if (counted !== total) throw new Error(`${terms.length} terms matched ${counted} of ${total} records`)
      const samples: number[] = []
      for (let i = 0; i < runs; i++) {
        const started = performance.now()
        await runtime.runPromise(histogram)
        samples.push(performance.now() - started)
      }
      return percentile(
        samples.sort((a, b) => a - b),
        50
      )
    }
    const prefixes = (n: number) => Array.from({ length: n }, (_, i) => `${"a".repeat(i + 1)}*`)
    const one = await p50(["a*"])
    const two = await p50(["a*", "omega*"])
    const same = await p50([...Array.from({ length: 199 }, () => "a*"), "omega*"])
    const distinct = await p50([...prefixes(59), "omega*"])
    const ratio = Math.max(distinct, same) / two
    const mib = (total * 4.0) / 1024
    console.log(`wildcards over ${fmt(total, 0)} records (~${fmt(mib, 1)} MiB of text), histogram p50 of ${runs} runs:`)
    console.log(`  a* (stops at a row's first match):               ${fmt(one, 1)} ms`)
    console.log(`  a* omega* (one automaton pass over every byte):  ${fmt(two, 1)} ms`)
    console.log(`  199 × a*, omega* (200 terms):                    ${fmt(same, 1)} ms`)
    console.log(`  a* … a{59}*, omega* (60 distinct terms):         ${fmt(distinct, 1)} ms`)
    console.log(`  ratio to 2 terms: 200 × a* ${fmt(same / two, 2)}, 60 distinct ${fmt(distinct / two, 2)} (at most ${maxRatio})`)
    if (ratio > maxRatio) process.exitCode = 1
  } finally {
    await runtime.dispose()
    rmSync(dir, { recursive: true, force: true })
  }
}
