import { parseArgs } from "node:util"
import { decodeIngestBody } from "../../src/ingest/native/decode.ts"
import { ndjsonBodies } from "./ndjson-bodies.ts"
import { fmt, percentile } from "./stats.ts"

/**
 * `bun run bench decode [--rounds 30] [--batch 1000]`: main-thread CPU per record of turning an
 * NDJSON ingest body into records (decodeIngestBody: JSON.parse per line, then normalise),
 * in-process, no HTTP. Each round decodes 64 bodies; the first rounds warm the JIT and are
 * dropped. A VM's neighbours make single rounds noisy, so min and percentiles are printed.
 * `JSON.parse` alone over the same lines is printed as the floor the decoder cannot go below.
 */

const WARM_UP_ROUNDS = 5

const perRecordMicros = (rounds: number, records: number, once: () => void): number[] => {
  const samples: number[] = []
  for (let r = 0; r < WARM_UP_ROUNDS + rounds; r++) {
    const started = performance.now()
    once()
    if (r >= WARM_UP_ROUNDS) samples.push(((performance.now() - started) * 1000) / records)
  }
  return samples.sort((a, b) => a - b)
}

const summary = (sorted: ReadonlyArray<number>) =>
  `min ${fmt(sorted[0]!, 2)}, p25 ${fmt(percentile(sorted, 25)!, 2)}, median ${fmt(percentile(sorted, 50)!, 2)} µs/record`

export const runDecodeBench = async (argv: ReadonlyArray<string>) => {
  const { values } = parseArgs({ args: [...argv], options: { rounds: { type: "string" }, batch: { type: "string" } } })
  const rounds = Number(values.rounds ?? 30)
  const batch = Number(values.batch ?? 1000)
  const bodies = ndjsonBodies(64, batch)
  const records = bodies.length * batch
  const bytes = bodies.reduce((sum, body) => sum + Buffer.byteLength(body), 0)
  console.log(`decode: ${bodies.length} NDJSON bodies of ${batch} records (${fmt(bytes / records, 0)} bytes/record), ${rounds} rounds`)

  let accepted = 0
  const decode = perRecordMicros(rounds, records, () => {
    for (const body of bodies) accepted += decodeIngestBody(body, "application/x-ndjson", Date.now()).records.length
  })
  if (accepted !== (WARM_UP_ROUNDS + rounds) * records) throw new Error(`decoder rejected ${(WARM_UP_ROUNDS + rounds) * records - accepted} synthetic records`)
  let parsed = 0
  const parseOnly = perRecordMicros(rounds, records, () => {
    for (const body of bodies) for (const line of body.split("\n")) if (line !== "") parsed += JSON.parse(line) === null ? 0 : 1
  })
  // Read, so the parse is not optimised away.
  if (parsed === 0) throw new Error("nothing was parsed")
  console.log(`  decodeIngestBody:        ${summary(decode)}`)
  console.log(`  JSON.parse per line only: ${summary(parseOnly)}`)
}
