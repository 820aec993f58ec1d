import type { Database } from "bun:sqlite"
import type { LogRecord } from "../../../domain/log-record.ts"
import type { ExpiryRule } from "../../../ports/log-store.ts"
import { allText, decodeText } from "./block-text.ts"
import { contentOf, encodeBlock, encodeColumns, indexBlock, recordAt, type BlockColumns, type EncodedBlock } from "./block-codec.ts"
import { batchColumns } from "./block-batch.ts"
import { compactHead } from "./block-head.ts"
import { packData } from "./block-pack.ts"
import { idSpans, makeIdIndex, type IdSpan } from "./block-ids.ts"
import { makeBlockReader, type BlockSummary } from "./block-read.ts"
import { makeRollupWriter } from "./rollup-write.ts"

/** Writes encoded blocks: the summary row, its data, its attribute columns, its full-text document, its Bloom filter, its id rows. */
export const makeBlockWriter = (db: Database, keysPerBlock?: number) => {
  const insertBlock = db.query("INSERT INTO blocks (service, count, min_ts, max_ts, levels, head, hosts) VALUES (?, ?, ?, ?, ?, ?, ?)")
  const updateBlock = db.query("UPDATE blocks SET count = ?2, min_ts = ?3, max_ts = ?4, levels = ?5, head = ?6, hosts = ?7 WHERE block = ?1")
  const putData = db.query(
    `INSERT OR REPLACE INTO block_data (block, search_ends, search_text, message_ends, messages, id_ends, ids, received_at,
       trace_id_ends, trace_ids, span_id_ends, span_ids, correlation_id_ends, correlation_ids, other_attributes)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
  )
  const insertAttribute = db.query("INSERT INTO block_attributes (block, key, indexes) VALUES (?, ?, ?)")
  const insertTerms = db.query("INSERT INTO block_terms (rowid, terms) VALUES (?, ?)")
  const putBloom = db.query("INSERT OR REPLACE INTO block_blooms (block, bloom) VALUES (?, ?)")
  const dropBloom = db.query("DELETE FROM block_blooms WHERE block = ?")
  const dropAttributes = db.query("DELETE FROM block_attributes WHERE block = ?")
  const dropTerms = db.query("DELETE FROM block_terms WHERE rowid = ?")
  const dropData = db.query("DELETE FROM block_data WHERE block = ?")
  const dropBlock = db.query("DELETE FROM blocks WHERE block = ?")
  const ids = makeIdIndex(db)

  const putParts = (block: number, b: EncodedBlock, spans: ReadonlyArray<IdSpan>) => {
    const d = packData(b)
    putData.run(
      block,
      d.search_ends,
      d.search_text,
      d.message_ends,
      d.messages,
      d.id_ends,
      d.ids,
      d.received_at,
      d.trace_id_ends,
      d.trace_ids,
      d.span_id_ends,
      d.span_ids,
      d.correlation_id_ends,
      d.correlation_ids,
      d.other_attributes
    )
    for (const a of b.attributes) insertAttribute.run(block, a.key, a.packed)
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
      const block = Number(insertBlock.run(b.service, b.count, b.minTs, b.maxTs, b.levels, compactHead(b.head), b.hosts).lastInsertRowid)
      putParts(block, b, spans)
    },
    /** Replaces a block's records by some of them, each keeping its position. */
    rewrite(block: number, records: ReadonlyArray<LogRecord>, positions: ArrayLike<number>) {
      const b = encodeBlock(records, positions, keysPerBlock)
      updateBlock.run(block, b.count, b.minTs, b.maxTs, b.levels, compactHead(b.head), b.hosts)
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
export const makeBatchWriter = (db: Database, keysPerBlock?: number) => {
  const blocks = makeBlockWriter(db, keysPerBlock)
  const rollups = makeRollupWriter(db)
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
    return encodeColumns(
      rows.map((i) => recordAt(content, i)),
      undefined,
      keysPerBlock
    )
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
    rollups.add(written)
    return largest
  })

  return (batch: ReadonlyArray<BlockColumns>) => {
    try {
      // Only once the transaction committed: a failed batch must be looked up again when resent.
      largestId = write(batch)
    } catch (e) {
      rollups.forget()
      throw e
    }
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
export const makeExpirer = (db: Database, keysPerBlock?: number) => {
  const blocks = makeBlockWriter(db, keysPerBlock)
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
