import type { Database } from "bun:sqlite"
import { encodeBlock } from "../../src/adapters/log-store/sqlite/block-codec.ts"
import { idSpans, makeIdIndex } from "../../src/adapters/log-store/sqlite/block-ids.ts"
import { bytesOf } from "../../src/adapters/log-store/sqlite/block-text.ts"
import type { AttributeValue, LogRecord } from "../../src/domain/log-record.ts"

/**
 * Writes records as blocks in the layout of schema 4 and before ("plain": text columns with
 * their end offsets, a value slot per record for every attribute key), as the writer of that
 * time did, so that upgrade tests can make stores of any size in the old layout. Each call
 * writes one block: records of one service, in time order.
 */
export const writePlainBlock = (db: Database, records: ReadonlyArray<LogRecord>) => {
  const b = encodeBlock(records)
  const block = Number(
    db
      .query("INSERT INTO blocks (service, count, min_ts, max_ts, levels, head, hosts) VALUES (?, ?, ?, ?, ?, ?, ?)")
      .run(b.service, b.count, b.minTs, b.maxTs, b.levels, b.head, b.hosts).lastInsertRowid
  )
  const { trace_id, span_id, correlation_id } = b.refs
  db.query(
    `INSERT INTO block_data (block, search_ends, search_text, message_ends, messages, id_ends, ids, received_at,
       trace_id_ends, trace_ids, span_id_ends, span_ids, correlation_id_ends, correlation_ids)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
  ).run(
    block,
    // Plain blocks held the search text also when it is the messages lower-cased (ASCII).
    b.searchEnds ?? b.messages.ends,
    b.searchText ?? Buffer.from(b.messages.text.toLowerCase(), "latin1"),
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
  const keys = new Set(records.flatMap((r) => Object.keys(r.attributes)))
  for (const key of keys) {
    const column = records.map((r) => r.attributes[key])
    if (column.every((v) => v === undefined || typeof v === "number")) {
      const numbers = Float64Array.from(column, (v) => (v as number | undefined) ?? Number.NaN)
      db.query("INSERT INTO block_attributes (block, key, numbers) VALUES (?, ?, ?)").run(block, key, bytesOf(numbers))
      continue
    }
    const dictionary = new Map<AttributeValue, number>()
    for (const v of column) if (v !== undefined && !dictionary.has(v)) dictionary.set(v, dictionary.size + 1)
    const indexes = Uint32Array.from(column, (v) => (v === undefined ? 0 : dictionary.get(v)!))
    db.query("INSERT INTO block_attributes (block, key, dictionary, indexes) VALUES (?, ?, ?, ?)").run(
      block,
      key,
      JSON.stringify([...dictionary.keys()]),
      bytesOf(indexes)
    )
  }
  db.query("INSERT INTO block_terms (rowid, terms) VALUES (?, ?)").run(block, b.terms)
  db.query("INSERT INTO block_blooms (block, bloom) VALUES (?, ?)").run(block, b.refBloom)
  makeIdIndex(db).add(block, idSpans(records.map((r) => r.id)))
}

/** How many blocks are still in the plain layout (packed ones have empty end offsets, block-pack.ts). */
export const plainBlockCount = (db: Database) => db.query<{ n: number }, []>("SELECT count(*) AS n FROM block_data WHERE length(id_ends) > 0").get()!.n
