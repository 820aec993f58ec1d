import type { Database } from "bun:sqlite"
import { readIds } from "./block-pack.ts"
import { allIds } from "./block-text.ts"

/**
 * Finding records by id without an index entry per record. Ids are ULIDs, which begin with
 * their time: the first 8 characters name a bucket of 1.024 seconds. A block has a row per
 * bucket its ids fall in, holding the smallest and largest of those ids. The ids LogFlow gives
 * one batch fall in one or two buckets, so a block of hundreds of records has one or two rows.
 * An id is looked up in the rows of its bucket whose span holds it, then in those blocks' ids.
 */

const bucketOf = (id: string) => id.slice(0, 8)

export interface IdSpan {
  readonly bucket: string
  min: string
  max: string
}

/** The buckets a block's ids fall in, with the smallest and largest id in each. */
export const idSpans = (ids: ReadonlyArray<string>): IdSpan[] => {
  const spans = new Map<string, IdSpan>()
  let span: IdSpan | undefined
  for (const id of ids) {
    if (span === undefined || !id.startsWith(span.bucket)) {
      const bucket = bucketOf(id)
      span = spans.get(bucket)
      if (!span) spans.set(bucket, (span = { bucket, min: id, max: id }))
    }
    if (id < span.min) span.min = id
    else if (id > span.max) span.max = id
  }
  return [...spans.values()]
}

/** The blocks that may hold an id from `low` to `high` (both of one bucket). */
export const makeIdLookup = (db: Database) => {
  const mayHold = db.query<{ block: number }, [string, string, string]>("SELECT block FROM block_ids WHERE bucket = ?1 AND max_id >= ?2 AND min_id <= ?3")
  return (low: string, high: string): number[] => mayHold.all(bucketOf(low), low, high).map((row) => row.block)
}

/** Keeps the id rows of blocks as they are written and dropped, and tells which ids are stored. */
export const makeIdIndex = (db: Database) => {
  const insert = db.query("INSERT INTO block_ids (bucket, block, min_id, max_id) VALUES (?, ?, ?, ?)")
  const forget = db.query("DELETE FROM block_ids WHERE block = ?")
  const idsOf = db.query<{ ids: string | Uint8Array; id_ends: Uint8Array; count: number }, [number]>(
    "SELECT ids, id_ends, count FROM block_data JOIN blocks USING (block) WHERE block = ?"
  )
  const blocksHolding = makeIdLookup(db)

  return {
    add(block: number, spans: ReadonlyArray<IdSpan>) {
      for (const span of spans) insert.run(span.bucket, block, span.min, span.max)
    },
    forget(block: number) {
      forget.run(block)
    },
    /** Which of `ids` some block holds already. */
    stored(ids: ReadonlyArray<string>): Set<string> {
      const found = new Set<string>()
      const blockIds = new Map<number, Set<string>>()
      for (const [, group] of Map.groupBy(ids, bucketOf)) {
        let low = group[0]!
        let high = low
        for (const id of group) {
          if (id < low) low = id
          if (id > high) high = id
        }
        for (const block of blocksHolding(low, high)) {
          let held = blockIds.get(block)
          if (!held) {
            const row = idsOf.get(block)
            held = new Set(row ? allIds(readIds(row, row.count)) : [])
            blockIds.set(block, held)
          }
          for (const id of group) if (held.has(id)) found.add(id)
        }
      }
      return found
    }
  }
}
