import type { Database, SQLQueryBindings, Statement } from "bun:sqlite"
import { timeWindow, usesRefBloom, type Filterable } from "./block-filter.ts"
import type { BlockSummary } from "./block-read.ts"
import { candidateTerms } from "./block-terms.ts"

/**
 * The blocks a search may find matches in, newest first (by their newest record) or oldest
 * first: those of its services and time range that the full-text index does not rule out. The
 * SQL is one of a few fixed shapes, prepared once each; every value is a bound parameter.
 */

export type CandidateBlocks = (request: Filterable, order: "newest" | "oldest", now: number) => IterableIterator<BlockSummary>

export const makeCandidateBlocks = (db: Database): CandidateBlocks => {
  const statements = new Map<string, Statement<BlockSummary, SQLQueryBindings[]>>()
  return (request, order, now) => {
    const conditions: string[] = []
    const params: SQLQueryBindings[] = []
    if (request.services?.length === 1) {
      // One service: its part of the (service, max_ts) index is already in time order.
      conditions.push("service = ?")
      params.push(request.services[0]!)
    } else if (request.services?.length) {
      conditions.push("service IN (SELECT value FROM json_each(?))")
      params.push(JSON.stringify(request.services))
    }
    const { low, high } = timeWindow(request, now)
    if (low > -Infinity) {
      conditions.push("max_ts >= ?")
      params.push(low)
    }
    if (high < Infinity) {
      conditions.push("min_ts <= ?")
      params.push(high)
    }
    const terms = candidateTerms(request)
    if (terms !== undefined) {
      // `+block`: walk the time index and test each block against the matching list, rather
      // than fetch every matching block and sort them all by time (which grows with the store).
      conditions.push("+block IN (SELECT rowid FROM block_terms WHERE block_terms MATCH ?)")
      params.push(terms)
    }
    const bloom = usesRefBloom(request) ? ", (SELECT bloom FROM block_blooms WHERE block_blooms.block = blocks.block) AS ref_bloom" : ""
    const sql = `SELECT block, service, count, min_ts, max_ts, levels${bloom} FROM blocks
      ${conditions.length ? `WHERE ${conditions.join(" AND ")}` : ""} ORDER BY ${order === "newest" ? "max_ts DESC, block DESC" : "min_ts ASC, block ASC"}`
    let statement = statements.get(sql)
    if (!statement) statements.set(sql, (statement = db.prepare(sql)))
    return statement.iterate(...params)
  }
}
