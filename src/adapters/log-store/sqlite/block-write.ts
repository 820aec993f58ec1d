import type { Database } from "bun:sqlite"
import type { Attributes, Level, LogRecord } from "../../../domain/log-record.ts"
import type { ExpiryRule } from "../../../ports/log-store.ts"
import { allText, decodeText } from "./block-text.ts"
import { contentOf, encodeBlock, encodeColumns, indexBlock, recordAt, type BlockColumns, type EncodedBlock } from "./block-codec.ts"
import { batchColumns, byTime } from "./block-batch.ts"
import { refBloom } from "./block-bloom.ts"
import { idSpans, makeIdIndex, type IdSpan } from "./block-ids.ts"
import { makeBlockReader, type BlockSummary } from "./block-read.ts"
import { makeRollupWriter } from "./rollup-write.ts"

/** Writes encoded blocks: the summary row, its data, its attribute columns, its full-text document, its Bloom filter, its id rows. */
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
  const putBloom = db.query("INSERT OR REPLACE INTO block_blooms (block, bloom) VALUES (?, ?)")
  const dropBloom = db.query("DELETE FROM block_blooms WHERE block = ?")
  const dropAttributes = db.query("DELETE FROM block_attributes WHERE block = ?")
  const dropTerms = db.query("DELETE FROM block_terms WHERE rowid = ?")
  const dropData = db.query("DELETE FROM block_data WHERE block = ?")
  const dropBlock = db.query("DELETE FROM blocks WHERE block = ?")
  const ids = makeIdIndex(db)

  const putParts = (block: number, b: EncodedBlock, spans: ReadonlyArray<IdSpan>) => {
    const { trace_id, span_id, correlation_id } = b.refs
    putData.run(
      block,
      b.searchEnds,
      b.searchText,
      b.messages.ends,
      b.messages.text,
      b.ids.ends,
      b.ids.text,
      b.receivedAt,
      trace_id?.ends ?? null,
      trace_id?.text ?? null,
      span_id?.ends ?? null,
      span_id?.text ?? null,
      correlation_id?.ends ?? null,
      correlation_id?.text ?? null
    )
    for (const a of b.attributes) insertAttribute.run(block, a.key, a.numbers, a.dictionary, a.indexes)
    insertTerms.run(block, b.terms)
    putBloom.run(block, b.refBloom)
    ids.add(block, spans)
  }

  return {
    ids,
    /**
     * A new block. Its records are ordered by time (arrival order among equal times), which
     * lets a search read only the newest part of a block.
     */
    insert(b: EncodedBlock, spans: ReadonlyArray<IdSpan> = idSpans(allText(decodeText(b.ids.text, b.ids.ends)))) {
      const block = Number(insertBlock.run(b.service, b.count, b.minTs, b.maxTs, b.levels, b.head, b.hosts).lastInsertRowid)
      putParts(block, b, spans)
    },
    /** Replaces a block's records by some of them, each keeping its position. */
    rewrite(block: number, records: ReadonlyArray<LogRecord>, positions: ArrayLike<number>) {
      const b = encodeBlock(records, positions)
      updateBlock.run(block, b.count, b.minTs, b.maxTs, b.levels, b.head, b.hosts)
      dropAttributes.run(block)
      dropTerms.run(block)
      ids.forget(block)
      putParts(block, b, idSpans(records.map((r) => r.id)))
    },
    drop(block: number) {
      ids.forget(block)
      dropBloom.run(block)
      dropAttributes.run(block)
      dropTerms.run(block)
      dropData.run(block)
      dropBlock.run(block)
    }
  }
}

/**
 * Writes one batch's blocks in one transaction. Records whose id is stored already
 * (redelivery) or came earlier in the batch are left out, and the rollups count what was written.
 */
export const makeBatchWriter = (db: Database) => {
  const blocks = makeBlockWriter(db)
  const addRollups = makeRollupWriter(db)
  // Ids above the largest stored one cannot be stored yet: only the others are looked up
  // (ids LogFlow makes grow with time, so few). Deleting records keeps it an upper bound.
  let largestId = db.query<{ id: string | null }, []>("SELECT max(max_id) AS id FROM block_ids").get()!.id ?? ""

  /** A block's ids, the rows whose id did not come earlier in the batch (`seen`, which takes its ids), and those of them that may be stored. */
  const firstOccurrences = (block: BlockColumns, seen: Set<string>) => {
    const ids = allText(decodeText(block.ids.text, block.ids.ends))
    const rows: number[] = []
    const older: string[] = []
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!
      if (seen.has(id)) continue
      seen.add(id)
      rows.push(i)
      if (id <= largestId) older.push(id)
    }
    return { ids, rows, older }
  }

  /** The block with only the given rows; undefined when none is left. */
  const only = (block: BlockColumns, rows: ReadonlyArray<number>): BlockColumns | undefined => {
    if (rows.length === block.count) return block
    if (rows.length === 0) return undefined
    const content = contentOf(block)
    return encodeColumns(rows.map((i) => recordAt(content, i)))
  }

  const write = db.transaction((batch: ReadonlyArray<BlockColumns>): string => {
    const seen = new Set<string>()
    const firsts = batch.map((block) => firstOccurrences(block, seen))
    // One look-up for the whole batch: its blocks' ids overlap the same recent blocks.
    const older = firsts.flatMap((f) => f.older)
    const stored = older.length === 0 ? undefined : blocks.ids.stored(older)
    const written: BlockColumns[] = []
    let largest = largestId
    batch.forEach((columns, b) => {
      const { ids, rows } = firsts[b]!
      const kept = stored?.size ? rows.filter((i) => !stored.has(ids[i]!)) : rows
      const block = only(columns, kept)
      if (block === undefined) return
      const spans = idSpans(kept.map((i) => ids[i]!))
      blocks.insert(indexBlock(block), spans)
      for (const s of spans) if (s.max > largest) largest = s.max
      written.push(block)
    })
    addRollups(written)
    return largest
  })

  return (batch: ReadonlyArray<BlockColumns>) => {
    // Only once the transaction committed: a failed batch must be looked up again when resent.
    largestId = write(batch)
  }
}

/** Writes records (of any services, in any order) as blocks: for tools that write without the store. */
export const makeRecordWriter = (db: Database) => {
  const write = makeBatchWriter(db)
  return (records: ReadonlyArray<LogRecord>) => write(batchColumns(records))
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
      if (summary.max_ts < rule.cutoff && summary.count <= room) {
        blocks.drop(summary.block)
        deleted += summary.count
        continue
      }
      const block = reader.load(summary)
      const keep: number[] = []
      let gone = 0
      for (let i = 0; i < block.count; i++) {
        if (block.head.ts[i]! < rule.cutoff && gone < room) gone++
        else keep.push(i)
      }
      blocks.rewrite(
        summary.block,
        keep.map((i) => block.record(i)),
        keep.map((i) => block.head.position[i]!)
      )
      deleted += gone
    }
    return deleted
  })
  return (rule: ExpiryRule, limit: number) => {
    const deleted = expire(rule, limit)
    if (deleted > 0) db.run("PRAGMA incremental_vacuum(2000)")
    return deleted
  }
}

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
    `SELECT block, count, ids, id_ends, trace_ids, trace_id_ends, correlation_ids, correlation_id_ends
     FROM block_data JOIN blocks USING (block) WHERE block > ? ORDER BY block LIMIT 1000`
  )
  const column = (text: string | null, ends: Uint8Array | null) => (text === null || ends === null ? null : { text, ends })
  const step = db.transaction(() => {
    const rows = next.all(lastDone.get()!.block ?? 0)
    for (const row of rows) {
      putBloom.run(
        row.block,
        refBloom({ trace_id: column(row.trace_ids, row.trace_id_ends), correlation_id: column(row.correlation_ids, row.correlation_id_ends) }, row.count)
      )
      ids.add(row.block, idSpans(allText(decodeText(row.ids, row.id_ends))))
    }
    return rows.length
  })
  while (step() > 0) {
    /* next 1,000 */
  }
}

interface OldBlockRow {
  block: number
  count: number
  ids: string
  id_ends: Uint8Array
  trace_ids: string | null
  trace_id_ends: Uint8Array | null
  correlation_ids: string | null
  correlation_id_ends: Uint8Array | null
}

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
