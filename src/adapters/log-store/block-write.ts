import type { Database } from "bun:sqlite"
import type { Attributes, Level, LogRecord } from "../../domain/log-record.ts"
import type { ExpiryRule } from "../../ports/log-store.ts"
import { BLOCK_CAPACITY, encodeBlock, type EncodedBlock } from "./block-codec.ts"
import { makeBlockReader, type BlockSummary } from "./block-read.ts"
import { makeRollupWriter } from "./rollup-write.ts"

/** Writes encoded blocks: the summary row, its data, its attribute columns, its full-text document. */
const makeBlockWriter = (db: Database) => {
  const insertBlock = db.query("INSERT INTO blocks (service, count, min_ts, max_ts, levels, head, hosts) VALUES (?, ?, ?, ?, ?, ?, ?)")
  const updateBlock = db.query("UPDATE blocks SET count = ?2, min_ts = ?3, max_ts = ?4, levels = ?5, head = ?6, hosts = ?7 WHERE block = ?1")
  const putData = db.query(
    `INSERT OR REPLACE INTO block_data (block, search_ends, search_text, message_ends, messages, id_ends, ids, received_at,
       trace_id_ends, trace_ids, span_id_ends, span_ids, correlation_id_ends, correlation_ids)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
  )
  const insertAttribute = db.query("INSERT INTO block_attributes (block, key, numbers, dictionary, indexes) VALUES (?, ?, ?, ?, ?)")
  const insertTerms = db.query("INSERT INTO block_terms (rowid, terms) VALUES (?, ?)")
  const insertIds = db.query("INSERT INTO record_ids (id, seq) SELECT value, ?2 + key FROM json_each(?1)")
  const dropAttributes = db.query("DELETE FROM block_attributes WHERE block = ?")
  const dropTerms = db.query("DELETE FROM block_terms WHERE rowid = ?")
  const dropData = db.query("DELETE FROM block_data WHERE block = ?")
  const dropBlock = db.query("DELETE FROM blocks WHERE block = ?")
  const dropIds = db.query("DELETE FROM record_ids WHERE id IN (SELECT value FROM json_each(?))")

  const putParts = (block: number, b: EncodedBlock) => {
    const { trace_id, span_id, correlation_id } = b.refs
    putData.run(block, b.searchEnds, b.searchText, b.messages.ends, b.messages.text, b.ids.ends, b.ids.text, b.receivedAt,
      trace_id?.ends ?? null, trace_id?.text ?? null, span_id?.ends ?? null, span_id?.text ?? null,
      correlation_id?.ends ?? null, correlation_id?.text ?? null)
    for (const a of b.attributes) insertAttribute.run(block, a.key, a.numbers, a.dictionary, a.indexes)
    insertTerms.run(block, b.terms)
  }

  return {
    /**
     * A new block; its records are ordered by time (arrival order among equal times), which
     * lets a search read only the newest part of a block. Their ids are registered with their seq.
     */
    insert(records: ReadonlyArray<LogRecord>) {
      const sorted = [...records].sort((x, y) => x.timestamp - y.timestamp)
      const b = encodeBlock(sorted)
      const block = Number(insertBlock.run(b.service, b.count, b.minTs, b.maxTs, b.levels, b.head, b.hosts).lastInsertRowid)
      putParts(block, b)
      insertIds.run(JSON.stringify(sorted.map((r) => r.id)), block * BLOCK_CAPACITY)
    },
    /** Replaces a block's records by some of them (each keeping its position); their ids stay registered. */
    rewrite(block: number, records: ReadonlyArray<LogRecord>, positions: ArrayLike<number>) {
      const b = encodeBlock(records, positions)
      updateBlock.run(block, b.count, b.minTs, b.maxTs, b.levels, b.head, b.hosts)
      dropAttributes.run(block)
      dropTerms.run(block)
      putParts(block, b)
    },
    forgetIds(ids: ReadonlyArray<string>) {
      dropIds.run(JSON.stringify(ids))
    },
    drop(block: number, ids: ReadonlyArray<string>) {
      dropIds.run(JSON.stringify(ids))
      dropAttributes.run(block)
      dropTerms.run(block)
      dropData.run(block)
      dropBlock.run(block)
    }
  }
}

/**
 * Writes one batch in one transaction: records whose id is already stored (redelivery) or
 * repeated in the batch are skipped, the rest go into blocks of one service each, and the
 * rollups count exactly those.
 */
export const makeBatchWriter = (db: Database) => {
  const blocks = makeBlockWriter(db)
  const addRollups = makeRollupWriter(db)
  const storedIds = db.query<{ id: string }, [string]>("SELECT id FROM record_ids WHERE id IN (SELECT value FROM json_each(?))")
  // Ids above the largest stored one cannot be stored yet: only the others are looked up
  // (ids LogFlow makes grow with time, so usually none). Deleting records keeps it an upper bound.
  let largestId = db.query<{ id: string | null }, []>("SELECT max(id) AS id FROM record_ids").get()!.id ?? ""

  const write = db.transaction((batch: ReadonlyArray<LogRecord>): string => {
    const older = batch.filter((r) => r.id <= largestId).map((r) => r.id)
    const stored = new Set(older.length === 0 ? [] : storedIds.all(JSON.stringify(older)).map((row) => row.id))
    const byService = new Map<string, LogRecord[]>()
    const fresh: LogRecord[] = []
    let largest = largestId
    for (const r of batch) {
      if (stored.has(r.id)) continue
      stored.add(r.id)
      if (r.id > largest) largest = r.id
      fresh.push(r)
      let group = byService.get(r.service)
      if (!group) byService.set(r.service, group = [])
      group.push(r)
    }
    for (const group of byService.values()) {
      for (let i = 0; i < group.length; i += BLOCK_CAPACITY) blocks.insert(group.slice(i, i + BLOCK_CAPACITY))
    }
    addRollups(fresh)
    return largest
  })

  return (batch: ReadonlyArray<LogRecord>) => {
    // Only once the transaction committed: a failed batch must be looked up again when resent.
    largestId = write(batch)
  }
}

/**
 * Deletes up to `limit` records older than the rule's cutoff: blocks that expired whole are
 * dropped, a block that expired in part is rewritten with the records it keeps. Then the
 * freed pages are given back.
 */
export const makeExpirer = (db: Database) => {
  const blocks = makeBlockWriter(db)
  const reader = makeBlockReader(db)
  const candidates = db.query<BlockSummary, [number, string | null, string | null, number]>(
    `SELECT block, service, count, min_ts, max_ts, levels FROM blocks WHERE min_ts < ?1
       AND (?2 IS NULL OR service IN (SELECT value FROM json_each(?2)))
       AND (?3 IS NULL OR service NOT IN (SELECT value FROM json_each(?3)))
     ORDER BY min_ts LIMIT ?4`
  )
  const expire = db.transaction((rule: ExpiryRule, limit: number) => {
    let deleted = 0
    const summaries = candidates.all(
      rule.cutoff,
      rule.services ? JSON.stringify(rule.services) : null,
      rule.exceptServices?.length ? JSON.stringify(rule.exceptServices) : null,
      limit
    )
    for (const summary of summaries) {
      const room = limit - deleted
      if (room <= 0) break
      const block = reader.load(summary)
      const ids = block.ids()
      if (summary.max_ts < rule.cutoff && summary.count <= room) {
        blocks.drop(summary.block, ids)
        deleted += summary.count
        continue
      }
      const keep: number[] = []
      const gone: string[] = []
      for (let i = 0; i < block.count; i++) {
        if (block.head.ts[i]! < rule.cutoff && gone.length < room) gone.push(ids[i]!)
        else keep.push(i)
      }
      blocks.forgetIds(gone)
      blocks.rewrite(summary.block, keep.map((i) => block.record(i)), keep.map((i) => block.head.position[i]!))
      deleted += gone.length
    }
    return deleted
  })
  return (rule: ExpiryRule, limit: number) => {
    const deleted = expire(rule, limit)
    if (deleted > 0) db.run("PRAGMA incremental_vacuum(2000)")
    return deleted
  }
}

/**
 * Moves the records of a database written before blocks (schema versions 1 and 2, a row per
 * record) into blocks, in transactions of 10,000 records that also delete what they moved,
 * so a stopped move resumes where it was; then drops the old tables. Rollups already count
 * these records and are left alone.
 */
export const moveLegacyRecords = (db: Database) => {
  if (!db.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'logs'").get()) return
  const blocks = makeBlockWriter(db)
  const oldest = db.query<LegacyRow, []>(
    "SELECT seq, id, ts, received_at, service, level, message, host, trace_id, span_id, correlation_id, attributes FROM logs ORDER BY seq LIMIT 10000"
  )
  const forget = db.query("DELETE FROM logs WHERE seq <= ?")
  const move = db.transaction(() => {
    const rows = oldest.all()
    const byService = Map.groupBy(rows.map(legacyRecord), (r) => r.service)
    for (const group of byService.values()) blocks.insert(group)
    if (rows.length > 0) forget.run(rows.at(-1)!.seq)
    return rows.length
  })
  while (move() > 0) { /* next 10,000 */ }
  db.transaction(() => {
    db.run("DROP TABLE IF EXISTS logs_fts")
    db.run("DROP TABLE logs")
  }).immediate()
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
    attributes: row.attributes ? JSON.parse(row.attributes) as Attributes : {}
  }
  if (row.host !== null) record.host = row.host
  if (row.trace_id !== null) record.trace_id = row.trace_id
  if (row.span_id !== null) record.span_id = row.span_id
  if (row.correlation_id !== null) record.correlation_id = row.correlation_id
  return record
}
