import type { Database } from "bun:sqlite"
import type { Attributes, Level, LogRecord } from "../../../domain/log-record.ts"
import { type DataRow, readIds, readRef } from "./block-pack.ts"
import { allIds, bytesOf, type TextValues } from "./block-text.ts"
import { encodeBlock } from "./block-codec.ts"
import { byTime } from "./block-batch.ts"
import { refBloom } from "./block-bloom.ts"
import { idSpans, makeIdIndex } from "./block-ids.ts"
import { makeBlockReader, type BlockSummary } from "./block-read.ts"
import { makeBlockWriter } from "./block-write.ts"

/**
 * Brings a database of an earlier layout up to the current one. The schema statements are in
 * schema.ts and run when the database opens (open.ts); what they cannot do in SQL, rewriting
 * old rows into blocks, is here, and the writer thread runs it before its first write.
 */

/** What opening a database of an earlier layout leaves to do (the writer does it before its first write). */
export const completeUpgrade = (db: Database) => {
  completeOldBlocks(db)
  moveLegacyRecords(db)
}

/**
 * Gives the blocks of a version 3 database their id rows (block-ids.ts) and Bloom filters
 * (block-bloom.ts), 1,000 blocks per transaction in block order, so a stopped run resumes after
 * the last block it did. Blocks written since always have both, so on a current database this
 * finds nothing to do.
 */
const completeOldBlocks = (db: Database) => {
  const ids = makeIdIndex(db)
  const putBloom = db.query("INSERT INTO block_blooms (block, bloom) VALUES (?, ?)")
  const lastDone = db.query<{ block: number | null }, []>("SELECT max(block) AS block FROM block_ids")
  const next = db.query<OldBlockRow, [number]>(
    `SELECT block, count, ids, id_ends, trace_ids, trace_id_ends, span_ids, span_id_ends, correlation_ids, correlation_id_ends
     FROM block_data JOIN blocks USING (block) WHERE block > ? ORDER BY block LIMIT 1000`
  )
  const column = (values: TextValues | null) => (values === null ? null : { text: values.text, ends: bytesOf(values.ends) })
  const step = db.transaction(() => {
    const rows = next.all(lastDone.get()!.block ?? 0)
    for (const row of rows) {
      const refs = { trace_id: column(readRef(row, "trace_id", row.count)), correlation_id: column(readRef(row, "correlation_id", row.count)) }
      putBloom.run(row.block, refBloom(refs, row.count))
      ids.add(row.block, idSpans(allIds(readIds(row, row.count))))
    }
    return rows.length
  })
  while (step() > 0) {
    /* next 1,000 */
  }
}

type OldBlockRow = Pick<
  DataRow,
  "ids" | "id_ends" | "trace_ids" | "trace_id_ends" | "span_ids" | "span_id_ends" | "correlation_ids" | "correlation_id_ends"
> & { block: number; count: number }

/**
 * Moves the records of a database written before blocks (schema versions 1 and 2, a row per
 * record) into blocks, in transactions of 10,000 records that also delete what they moved,
 * so a stopped move resumes where it was; then drops the old tables. Rollups already count
 * these records and are left alone.
 */
const moveLegacyRecords = (db: Database) => {
  if (!db.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'logs'").get()) return
  const blocks = makeBlockWriter(db)
  const oldest = db.query<LegacyRow, []>(
    "SELECT seq, id, ts, received_at, service, level, message, host, trace_id, span_id, correlation_id, attributes FROM logs ORDER BY seq LIMIT 10000"
  )
  const forget = db.query("DELETE FROM logs WHERE seq <= ?")
  const move = db.transaction(() => {
    const rows = oldest.all()
    const byService = Map.groupBy(rows.map(legacyRecord), (r) => r.service)
    for (const group of byService.values()) blocks.insert(encodeBlock(byTime(group)))
    if (rows.length > 0) forget.run(rows.at(-1)!.seq)
    return rows.length
  })
  while (move() > 0) {
    /* next 10,000 */
  }
  db.transaction(() => {
    db.run("DROP TABLE IF EXISTS logs_fts")
    db.run("DROP TABLE logs")
  }).immediate()
}

/**
 * Rewrites the blocks written before schema 5 packed (block-pack.ts), oldest first, one block
 * per transaction: a stopped rewrite (even by kill -9) leaves every block whole, plain or
 * packed, and the next start goes on from there. Each call does one block and says whether
 * there was one; the writer thread calls it between requests, so writes keep their turn.
 */
export const makePlainBlockRewriter = (db: Database, keysPerBlock?: number) => {
  const blocks = makeBlockWriter(db, keysPerBlock)
  const reader = makeBlockReader(db)
  let after = 0
  const nextPlain = db.query<BlockSummary, [number]>(
    `SELECT block, service, count, min_ts, max_ts, levels FROM blocks JOIN block_data USING (block)
     WHERE block > ? AND length(id_ends) > 0 ORDER BY block LIMIT 1`
  )
  return db.transaction((): boolean => {
    const summary = nextPlain.get(after)
    if (!summary) return false
    const block = reader.load(summary)
    const records = Array.from({ length: block.count }, (_, i) => block.record(i))
    blocks.rewrite(summary.block, records, block.head.position)
    after = summary.block
    return true
  })
}

interface LegacyRow {
  seq: number
  id: string
  ts: number
  received_at: number
  service: string
  level: string
  message: string
  host: string | null
  trace_id: string | null
  span_id: string | null
  correlation_id: string | null
  attributes: string | null
}

const legacyRecord = (row: LegacyRow): LogRecord => {
  const record: { -readonly [K in keyof LogRecord]: LogRecord[K] } = {
    id: row.id,
    timestamp: row.ts,
    received_at: row.received_at,
    service: row.service,
    level: row.level as Level,
    message: row.message,
    attributes: row.attributes ? (JSON.parse(row.attributes) as Attributes) : {}
  }
  if (row.host !== null) record.host = row.host
  if (row.trace_id !== null) record.trace_id = row.trace_id
  if (row.span_id !== null) record.span_id = row.span_id
  if (row.correlation_id !== null) record.correlation_id = row.correlation_id
  return record
}
