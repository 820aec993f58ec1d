import { parseArgs } from "node:util"
import { PatternThread } from "../../actors/pattern-thread.ts"
import type { LogRecord } from "../../src/domain/log-record.ts"
import { PatternBook } from "../../src/domain/pattern-book.ts"
import { ulid } from "../../src/domain/ulid.ts"
import { decodeIngestBody } from "../../src/ingest/native/decode.ts"
import { ndjsonBodies, sentNow } from "./ndjson-bodies.ts"
import { fmt, percentile } from "./stats.ts"

/**
 * `bun run bench patterns [--rounds 20] [--batch 1000]`: what learning patterns costs per record,
 * in-process, on the ingest benchmark's generator records: the main thread's part (handing a
 * committed batch to the learner's thread: columns, first lines, postMessage) and the thread's
 * part (PatternBook.learn: tokens, Drain, per-minute counts). The first rounds warm the JIT and
 * are dropped; min and percentiles are printed, as a VM's neighbours make single rounds noisy.
 * The hand-off is wall time on the main thread; learning is CPU time.
 */

const WARM_UP_ROUNDS = 3
const OPTIONS = { similarity: 0.5, maxPerService: 500, maxServices: 1_000, maxChildren: 100, maxTokens: 64, maxPendingMinutes: 200_000 }

const summary = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b)
  return `min ${fmt(sorted[0]!, 2)}, median ${fmt(percentile(sorted, 50)!, 2)}, p75 ${fmt(percentile(sorted, 75)!, 2)} µs/record`
}

export const runPatternsBench = async (argv: ReadonlyArray<string>) => {
  const { values } = parseArgs({ args: [...argv], options: { rounds: { type: "string" }, batch: { type: "string" } } })
  const rounds = Number(values.rounds ?? 20)
  const batch = Number(values.batch ?? 1000)
  const batches: LogRecord[][] = ndjsonBodies(64, batch).map((body) => decodeIngestBody(sentNow(body), "application/x-ndjson", Date.now()).records)
  const records = batches.length * batch
  console.log(`patterns: ${batches.length} batches of ${batch} generator records, ${rounds} rounds`)

  const thread = new PatternThread(OPTIONS, batches.length + 1, (e) => console.error(e))
  const handOff: number[] = []
  const book = new PatternBook({ ...OPTIONS, newId: () => ulid() })
  const learn: number[] = []
  try {
    for (let r = 0; r < WARM_UP_ROUNDS + rounds; r++) {
      const started = performance.now()
      for (const b of batches) if (!thread.learn(b)) throw new Error("the thread refused a batch")
      const posted = performance.now() - started
      await thread.take()
      // CPU time: the thread is idle now, so the process's CPU is this loop's (a busy machine inflates wall time).
      const cpu = process.cpuUsage()
      for (const b of batches) book.learn(b)
      book.takeChanges()
      const spent = process.cpuUsage(cpu)
      const learned = (spent.user + spent.system) / 1000
      if (r >= WARM_UP_ROUNDS) {
        handOff.push((posted * 1000) / records)
        learn.push((learned * 1000) / records)
      }
    }
  } finally {
    thread.close()
  }
  console.log(`  main thread, hand-off to the learner's thread: ${summary(handOff)}`)
  console.log(`  learner's thread, PatternBook.learn (CPU):     ${summary(learn)}`)
}
