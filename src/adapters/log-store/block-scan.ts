import type { Database, SQLQueryBindings, Statement } from "bun:sqlite"
import type { SearchRequest } from "../../domain/search-request.ts"
import { BLOCK_CAPACITY } from "./block-codec.ts"
import { ALL, compileFilter, NONE, type BlockFilter } from "./block-filter.ts"
import type { BlockReader, BlockSummary, LoadedBlock } from "./block-read.ts"
import { candidateTerms } from "./block-terms.ts"

/**
 * Walks the blocks a search may find matches in, newest first (by their newest record) or
 * oldest first, and finds the matching records in each. The SQL is one of a few fixed shapes;
 * every value is a bound parameter.
 */

export type Filterable = Omit<SearchRequest, "limit" | "cursor">

export interface Hit {
  readonly ts: number
  readonly seq: number
  readonly block: LoadedBlock
  readonly index: number
}

/** (ts, seq) order: negative when `a` comes before `b` newest first. */
const newestFirst = (a: Hit, b: Hit) => b.ts - a.ts || b.seq - a.seq

export const seqOf = (block: LoadedBlock, i: number) => block.summary.block * BLOCK_CAPACITY + block.head.position[i]!

export const makeScanner = (db: Database, reader: BlockReader) => {
  const statements = new Map<string, Statement<BlockSummary, SQLQueryBindings[]>>()
  const candidates = (request: Filterable, order: "newest" | "oldest"): IterableIterator<BlockSummary> => {
    const conditions: string[] = []
    const params: SQLQueryBindings[] = []
    if (request.services?.length) {
      conditions.push("service IN (SELECT value FROM json_each(?))")
      params.push(JSON.stringify(request.services))
    }
    if (request.from !== undefined) {
      conditions.push("max_ts >= ?")
      params.push(request.from)
    }
    if (request.to !== undefined) {
      conditions.push("min_ts <= ?")
      params.push(request.to)
    }
    const terms = candidateTerms(request)
    if (terms !== undefined) {
      conditions.push("block IN (SELECT rowid FROM block_terms WHERE block_terms MATCH ?)")
      params.push(terms)
    }
    const sql = `SELECT block, service, count, min_ts, max_ts, levels FROM blocks
      ${conditions.length ? `WHERE ${conditions.join(" AND ")}` : ""} ORDER BY ${order === "newest" ? "max_ts DESC" : "min_ts ASC"}`
    let statement = statements.get(sql)
    if (!statement) statements.set(sql, statement = db.prepare(sql))
    return statement.iterate(...params)
  }

  /** Matching rows of a block, as a mask; `filter.verdict(summary)` was not NONE. */
  const matchingRows = (filter: BlockFilter, block: LoadedBlock) => filter.rows(block, new Uint8Array(block.count).fill(1))

  return {
    /**
     * The newest `limit` matches older than `before` (if given), and how many matches there are
     * in all, counted up to `countCap + 1`. Stops once neither can change: the page is full and
     * no further block is newer than its oldest hit, and the count passed the cap.
     */
    newest(request: Filterable, limit: number, before: { ts: number; seq: number } | undefined, countCap: number, now: number) {
      const filter = compileFilter(request, now)
      let hits: Hit[] = []
      let count = 0
      const isBefore = (ts: number, seq: number) => before === undefined || ts < before.ts || (ts === before.ts && seq < before.seq)
      const trim = () => {
        hits.sort(newestFirst)
        if (hits.length > limit) hits = hits.slice(0, limit)
      }
      for (const summary of candidates(request, "newest")) {
        const verdict = filter.verdict(summary)
        if (verdict === NONE) continue
        if (hits.length >= 4 * limit) trim()
        const pageFull = hits.length >= limit && (trim(), summary.max_ts < hits[limit - 1]!.ts)
        const pageWants = !pageFull && (before === undefined || summary.min_ts <= before.ts)
        const counting = count <= countCap
        if (pageFull && !counting) break
        if (!pageWants && !counting) continue
        if (!pageWants && verdict === ALL) {
          count += summary.count
          continue
        }
        const block = reader.load(summary)
        const rows = matchingRows(filter, block)
        for (let i = 0; i < rows.length; i++) {
          if (!rows[i]) continue
          count++
          if (pageWants) {
            const ts = block.head.ts[i]!
            const seq = seqOf(block, i)
            if (isBefore(ts, seq)) hits.push({ ts, seq, block, index: i })
          }
        }
      }
      trim()
      return { hits, count }
    },

    /** The oldest `limit` matches newer than `after`, oldest first. */
    oldest(request: Filterable, limit: number, after: { ts: number; seq: number }, now: number) {
      const filter = compileFilter(request, now)
      let hits: Hit[] = []
      const trim = () => {
        hits.sort((a, b) => newestFirst(b, a))
        if (hits.length > limit) hits = hits.slice(0, limit)
      }
      for (const summary of candidates({ ...request, from: Math.max(request.from ?? after.ts, after.ts) }, "oldest")) {
        if (hits.length >= limit && (trim(), summary.min_ts > hits[limit - 1]!.ts)) break
        if (filter.verdict(summary) === NONE) continue
        const block = reader.load(summary)
        const rows = matchingRows(filter, block)
        for (let i = 0; i < rows.length; i++) {
          if (!rows[i]) continue
          const ts = block.head.ts[i]!
          const seq = seqOf(block, i)
          if (ts > after.ts || (ts === after.ts && seq > after.seq)) hits.push({ ts, seq, block, index: i })
        }
      }
      trim()
      return hits
    },

    /** Visits matching records block by block, newest blocks first, until `visit` returns false. */
    forEachMatch(request: Filterable, now: number, visit: (block: LoadedBlock, rows: Uint8Array) => boolean) {
      const filter = compileFilter(request, now)
      for (const summary of candidates(request, "newest")) {
        if (filter.verdict(summary) === NONE) continue
        const block = reader.load(summary)
        if (!visit(block, matchingRows(filter, block))) return
      }
    },

    /** Matches per time bucket; a block that matches whole inside one bucket is counted without reading it. */
    histogram(request: Filterable, bucketMs: number, now: number) {
      const filter = compileFilter(request, now)
      const buckets = new Map<number, number>()
      const add = (bucket: number, n: number) => buckets.set(bucket, (buckets.get(bucket) ?? 0) + n)
      for (const summary of candidates(request, "newest")) {
        const verdict = filter.verdict(summary)
        if (verdict === NONE) continue
        const first = Math.floor(summary.min_ts / bucketMs) * bucketMs
        if (verdict === ALL && first === Math.floor(summary.max_ts / bucketMs) * bucketMs) {
          add(first, summary.count)
          continue
        }
        const block = reader.load(summary)
        const rows = matchingRows(filter, block)
        for (let i = 0; i < rows.length; i++) if (rows[i]) add(Math.floor(block.head.ts[i]! / bucketMs) * bucketMs, 1)
      }
      return [...buckets].sort((a, b) => a[0] - b[0]).map(([bucket, count]) => ({ bucket, count }))
    }
  }
}
