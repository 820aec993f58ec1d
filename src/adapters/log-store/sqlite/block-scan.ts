import type { Database } from "bun:sqlite"
import { makeCandidateBlocks, type CandidateBlocks } from "./block-candidates.ts"
import { BLOCK_CAPACITY } from "./block-codec.ts"
import { ALL, compileFilter, NONE, type BlockFilter, type Filterable } from "./block-filter.ts"
import type { BlockReader, BlockSummary, LoadedBlock } from "./block-read.ts"
import { checkBudget, type ReadBudget } from "./read-budget.ts"

/**
 * Walks the candidate blocks of a search (block-candidates.ts) and finds the matching records
 * in each: the newest page with a count, the oldest after a record, every match, or a histogram.
 */

export interface Hit {
  readonly ts: number
  readonly seq: number
  readonly block: LoadedBlock
  readonly index: number
}

/** (ts, seq) order: negative when `a` comes before `b` newest first. */
const newestFirst = (a: Hit, b: Hit) => b.ts - a.ts || b.seq - a.seq

/** The first row whose time is at least `ts` (rows are in time order), or the row count. */
const firstAtLeast = (times: Float64Array, ts: number) => {
  let low = 0
  let high = times.length
  while (low < high) {
    const mid = (low + high) >>> 1
    if (times[mid]! < ts) low = mid + 1
    else high = mid
  }
  return low
}

/** A mask of rows [first, end). */
const rowRange = (count: number, first: number, end: number) => {
  const mask = new Uint8Array(count)
  mask.fill(1, first, end)
  return mask
}

/** The largest seq a block can hold. */
const lastSeq = (summary: BlockSummary) => summary.block * BLOCK_CAPACITY + BLOCK_CAPACITY - 1

export const seqOf = (block: LoadedBlock, i: number) => block.summary.block * BLOCK_CAPACITY + block.head.position[i]!

/** Matching rows of a block, as a mask; `filter.verdict(summary)` was not NONE. */
const matchingRows = (filter: BlockFilter, block: LoadedBlock) => filter.rows(block, rowRange(block.count, 0, block.count))

interface Source {
  readonly candidates: CandidateBlocks
  readonly reader: BlockReader
}

/**
 * The newest `limit` matches older than `before` (if given), and how many matches there are
 * in all, counted up to `countCap + 1` or until `countUntil` (a `performance.now()` time),
 * whichever comes first; `counted` says whether every match was counted. Stops once neither
 * can change: the page is full and no further block is newer than its oldest hit, and
 * counting ended. Past `budget` counting ends, and a block the page still needs stops the
 * search (ReadBudgetExceeded): a page already complete is returned, never a partial one.
 */
const newestMatches = (
  source: Source,
  request: Filterable,
  limit: number,
  before: { ts: number; seq: number } | undefined,
  countCap: number,
  countUntil: number,
  now: number,
  budget: ReadBudget
) => {
  const filter = compileFilter(request, now)
  const stopCounting = Math.min(countUntil, budget.deadline)
  let hits: Hit[] = []
  let count = 0
  let outOfTime = false
  let counted = true
  const trim = () => {
    hits.sort(newestFirst)
    if (hits.length > limit) hits = hits.slice(0, limit)
  }
  for (const summary of source.candidates(request, "newest", now)) {
    const verdict = filter.verdict(summary)
    if (verdict === NONE) continue
    // Once the page is full, a record must be newer than its oldest hit to enter it.
    if (hits.length >= limit) trim()
    const oldestHit = hits.length >= limit ? hits[limit - 1]! : undefined
    const floor = oldestHit?.ts ?? -Infinity
    // Blocks come newest first (by newest record, then by number, which orders their seqs),
    // so once a block cannot enter the page, none after it can.
    const tooOld = oldestHit !== undefined && (summary.max_ts < floor || (summary.max_ts === floor && lastSeq(summary) < oldestHit.seq))
    outOfTime ||= performance.now() > stopCounting
    const counting = count <= countCap && !outOfTime
    // From here on, a block counted no more may hold uncounted matches.
    if (!counting && outOfTime) counted = false
    if (tooOld && !counting) break
    const pageWants = !tooOld && (before === undefined || summary.min_ts <= before.ts)
    if (!pageWants && !counting) continue
    if (!pageWants && verdict === ALL) {
      count += summary.count
      continue
    }
    if (pageWants) checkBudget(budget)
    const block = source.reader.load(summary)
    const { ts } = block.head
    // Records are in time order: when only the page needs this block, only its rows
    // between the floor and the cursor are checked.
    const first = counting ? 0 : firstAtLeast(ts, floor)
    const end = counting || before === undefined ? block.count : firstAtLeast(ts, before.ts + 1)
    const rows = filter.rows(block, rowRange(block.count, first, end))
    for (let i = first; i < end; i++) {
      if (!rows[i]) continue
      count++
      if (!pageWants || ts[i]! < floor) continue
      const seq = seqOf(block, i)
      if (before === undefined || ts[i]! < before.ts || (ts[i] === before.ts && seq < before.seq)) hits.push({ ts: ts[i]!, seq, block, index: i })
    }
  }
  trim()
  return { hits, count, counted }
}

/** The oldest `limit` matches newer than `after`, oldest first. */
const oldestMatches = (source: Source, request: Filterable, limit: number, after: { ts: number; seq: number }, now: number, budget: ReadBudget) => {
  const filter = compileFilter(request, now)
  let hits: Hit[] = []
  const trim = () => {
    hits.sort((a, b) => newestFirst(b, a))
    if (hits.length > limit) hits = hits.slice(0, limit)
  }
  for (const summary of source.candidates({ ...request, from: Math.max(request.from ?? after.ts, after.ts) }, "oldest", now)) {
    if (hits.length >= limit) trim()
    const newestHit = hits.length >= limit ? hits[limit - 1]! : undefined
    const ceiling = newestHit?.ts ?? Infinity
    if (newestHit !== undefined && (summary.min_ts > ceiling || (summary.min_ts === ceiling && summary.block * BLOCK_CAPACITY > newestHit.seq))) break
    if (filter.verdict(summary) === NONE) continue
    checkBudget(budget)
    const block = source.reader.load(summary)
    const { ts } = block.head
    const first = firstAtLeast(ts, after.ts)
    const end = firstAtLeast(ts, ceiling + 1)
    const rows = filter.rows(block, rowRange(block.count, first, end))
    for (let i = first; i < end; i++) {
      if (!rows[i]) continue
      const seq = seqOf(block, i)
      if (ts[i]! > after.ts || seq > after.seq) hits.push({ ts: ts[i]!, seq, block, index: i })
    }
  }
  trim()
  return hits
}

/** Visits matching records block by block, newest blocks first, until `visit` returns false; true when it visited all. */
const forEachMatch = (source: Source, request: Filterable, now: number, visit: (block: LoadedBlock, rows: Uint8Array) => boolean): boolean => {
  const filter = compileFilter(request, now)
  for (const summary of source.candidates(request, "newest", now)) {
    if (filter.verdict(summary) === NONE) continue
    const block = source.reader.load(summary)
    if (!visit(block, matchingRows(filter, block))) return false
  }
  return true
}

/**
 * Matches per time bucket; a block that matches whole inside one bucket is counted without
 * reading it. Counts are exact (alert rules decide on them), so running out of budget stops it.
 */
const histogram = (source: Source, request: Filterable, bucketMs: number, now: number, budget: ReadBudget) => {
  const filter = compileFilter(request, now)
  const buckets = new Map<number, number>()
  const add = (bucket: number, n: number) => buckets.set(bucket, (buckets.get(bucket) ?? 0) + n)
  for (const summary of source.candidates(request, "newest", now)) {
    const verdict = filter.verdict(summary)
    if (verdict === NONE) continue
    const first = Math.floor(summary.min_ts / bucketMs) * bucketMs
    if (verdict === ALL && first === Math.floor(summary.max_ts / bucketMs) * bucketMs) {
      add(first, summary.count)
      continue
    }
    checkBudget(budget)
    const block = source.reader.load(summary)
    const rows = matchingRows(filter, block)
    for (let i = 0; i < rows.length; i++) if (rows[i]) add(Math.floor(block.head.ts[i]! / bucketMs) * bucketMs, 1)
  }
  return [...buckets].sort((a, b) => a[0] - b[0]).map(([bucket, count]) => ({ bucket, count }))
}

export const makeScanner = (db: Database, reader: BlockReader) => {
  const source: Source = { candidates: makeCandidateBlocks(db), reader }
  return {
    newest: (
      request: Filterable,
      limit: number,
      before: { ts: number; seq: number } | undefined,
      countCap: number,
      countUntil: number,
      now: number,
      budget: ReadBudget
    ) => newestMatches(source, request, limit, before, countCap, countUntil, now, budget),
    oldest: (request: Filterable, limit: number, after: { ts: number; seq: number }, now: number, budget: ReadBudget) =>
      oldestMatches(source, request, limit, after, now, budget),
    forEachMatch: (request: Filterable, now: number, visit: (block: LoadedBlock, rows: Uint8Array) => boolean) => forEachMatch(source, request, now, visit),
    histogram: (request: Filterable, bucketMs: number, now: number, budget: ReadBudget) => histogram(source, request, bucketMs, now, budget)
  }
}
