/// <reference lib="webworker" />
import type { BlockColumns } from "./block-codec.ts"
import { openDatabase, type SqliteStoreConfig } from "./open.ts"
import { makeBatchWriter, makeExpirer } from "./block-write.ts"
import { makeBlockSettler } from "./block-settle.ts"
import { completeUpgrade, makePlainBlockRewriter } from "./upgrade.ts"
import type { WriterReply, WriterRequest } from "./writer-protocol.ts"

/**
 * The SQLite writer thread: it owns the write connection, so that indexing (folding text for
 * search, FTS5, the B-tree indexes, rollups) runs on the second core while the main thread
 * parses HTTP and JSON and lays records out in columns.
 */
declare const self: Worker

let write: ReturnType<typeof makeBatchWriter> | undefined
let expire: ReturnType<typeof makeExpirer> | undefined
let close: (() => void) | undefined
let rewriteOneBlock: (() => boolean) | undefined

/**
 * Packs the blocks of an earlier schema one at a time, each step queued behind the requests
 * that have arrived, so writes wait for at most one block's rewrite. A failed step leaves its
 * block plain (it still reads) and ends the rewrite until the next start.
 */
const rewriteInBackground = () => {
  if (!rewriteOneBlock) return
  let more = false
  try {
    more = rewriteOneBlock()
  } catch (e) {
    // This thread has no logger of LogFlow's: the line goes to stderr, as a crash would.
    console.error(`embedded store: packing the blocks of an earlier schema stopped (they still read as before): ${e instanceof Error ? e.message : String(e)}`)
  }
  if (more) setTimeout(rewriteInBackground, 0)
  else rewriteOneBlock = undefined
}

/** How long the writer must have had no request before it packs stored messages again (block-settle.ts). */
const SETTLE_AFTER_IDLE_MS = 1_000
let settleOneStep: (() => boolean) | undefined
let settleTimer: ReturnType<typeof setTimeout> | undefined
let lastRequest = 0

const scheduleSettling = (ms: number) => {
  if (!settleOneStep || settleTimer !== undefined) return
  settleTimer = setTimeout(() => {
    settleTimer = undefined
    settleWhileIdle()
  }, ms)
}

/**
 * Packs stored messages again a few blocks a step, only once no request came for a while and
 * the blocks of an earlier schema are packed: so writes never wait behind it for more than one
 * step. Once every block is done it stops; the next write starts it again. A failed step ends it
 * until the next start (the blocks read as they are).
 */
const settleWhileIdle = () => {
  if (!settleOneStep) return
  const idle = performance.now() - lastRequest
  if (rewriteOneBlock || idle < SETTLE_AFTER_IDLE_MS) return scheduleSettling(Math.max(SETTLE_AFTER_IDLE_MS - idle, 50))
  let more = false
  try {
    more = settleOneStep()
  } catch (e) {
    console.error(`embedded store: packing stored messages again stopped (they still read as they are): ${e instanceof Error ? e.message : String(e)}`)
    settleOneStep = undefined
  }
  if (more) scheduleSettling(0)
}

self.onmessage = (event: MessageEvent<WriterRequest>) => {
  const request = event.data
  lastRequest = performance.now()
  let reply: WriterReply
  let count: number | undefined
  try {
    switch (request.type) {
      case "open": {
        const db = openDatabase(request.config as SqliteStoreConfig)
        // The checkpointer thread keeps the log short; this connection checkpoints by itself
        // only past 64 MiB of log (16,000 pages), should that thread fall behind.
        db.run("PRAGMA wal_autocheckpoint = 16000")
        completeUpgrade(db)
        write = makeBatchWriter(db, request.config.attributeKeysPerBlock)
        expire = makeExpirer(db, request.config.attributeKeysPerBlock)
        rewriteOneBlock = makePlainBlockRewriter(db, request.config.attributeKeysPerBlock)
        setTimeout(rewriteInBackground, 0)
        settleOneStep = makeBlockSettler(db)
        scheduleSettling(SETTLE_AFTER_IDLE_MS)
        close = () => db.close()
        break
      }
      case "write":
        write!(request.blocks as ReadonlyArray<BlockColumns>)
        scheduleSettling(SETTLE_AFTER_IDLE_MS)
        break
      case "expire":
        count = expire!(request.rule, request.limit)
        break
      case "close":
        rewriteOneBlock = undefined
        settleOneStep = undefined
        clearTimeout(settleTimer)
        close?.()
        break
    }
    reply = { seq: request.seq, ok: true, ...(count === undefined ? {} : { count }) }
  } catch (e) {
    reply = { seq: request.seq, ok: false, error: e instanceof Error ? e.message : String(e) }
  }
  self.postMessage(reply)
}
