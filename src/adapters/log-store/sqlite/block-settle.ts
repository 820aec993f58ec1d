import type { Database } from "bun:sqlite"
import { pack, unpack } from "./block-bytes.ts"

/**
 * Blocks are packed at ingest with zstd level 3 (block-bytes.ts), which the ingest rate can
 * afford. Once written a block's records never change (retention rewrites a block anew), so
 * while the writer thread is idle its messages, the largest compressible column, are packed
 * again at level 15: about 13% fewer bytes for them, at some 25 times the CPU, spent only when no
 * write is waiting (writer.worker.ts). `settled_blocks` keeps how far this got, so each block
 * is done once, oldest first, and a stopped run (even by kill -9) goes on from there; a
 * block rewritten by retention afterwards stays at level 3.
 */
export const SETTLED_ZSTD_LEVEL = 15
const BLOCKS_PER_STEP = 4

export const makeBlockSettler = (db: Database) => {
  const upto = db.query<{ upto: number }, []>("SELECT upto FROM settled_blocks")
  const next = db.query<{ block: number; messages: Uint8Array | string; message_ends: Uint8Array }, [number, number]>(
    "SELECT block, messages, message_ends FROM block_data WHERE block > ? ORDER BY block LIMIT ?"
  )
  const putMessages = db.query("UPDATE block_data SET messages = ? WHERE block = ?")
  const done = db.query("UPDATE settled_blocks SET upto = ?")
  const step = db.transaction((): boolean => {
    const rows = next.all(upto.get()!.upto, BLOCKS_PER_STEP)
    for (const row of rows) {
      // Plain blocks (of an earlier schema, until packed) and uncompressed columns are left as they are.
      if (row.message_ends.byteLength !== 0 || typeof row.messages === "string" || row.messages[0] !== 1) continue
      const settled = pack(unpack(row.messages), SETTLED_ZSTD_LEVEL)
      if (settled.byteLength < row.messages.byteLength) putMessages.run(settled, row.block)
    }
    if (rows.length > 0) done.run(rows.at(-1)!.block)
    return rows.length === BLOCKS_PER_STEP
  })
  /** Settles a few blocks; false once none is left. */
  return (): boolean => {
    const more = step()
    // The pages the smaller rows freed go back to the file.
    db.run("PRAGMA incremental_vacuum(256)")
    return more
  }
}
