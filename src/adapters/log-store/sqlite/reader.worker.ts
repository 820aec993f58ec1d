/// <reference lib="webworker" />
import { Database } from "bun:sqlite"
import { Option } from "effect"
import type { SqliteStoreConfig } from "./open.ts"
import { ReadBudgetExceeded } from "./read-budget.ts"
import type { ReaderReply, ReaderRequest, ReadOperation } from "./reader-protocol.ts"
import { makeRecordQueries } from "./record-queries.ts"
import { makeRollupQueries } from "./rollup-read.ts"

/**
 * A SQLite reader thread: one read-only connection (WAL lets it read while the writer
 * commits), on which searches, context, facets, histograms and rollup reads run one at a time,
 * off the thread that serves the API and ingest. The store's main connection made the schema
 * before any reader opens.
 */
declare const self: Worker

let run: ((operation: ReadOperation, args: ReadonlyArray<unknown>) => unknown) | undefined

const open = (config: SqliteStoreConfig) => {
  const db = new Database(config.path, { readonly: true, strict: true })
  db.run("PRAGMA busy_timeout = 5000")
  db.run("PRAGMA cache_size = -32768")
  db.run("PRAGMA mmap_size = 268435456")
  const records = makeRecordQueries(db, config)
  const rollups = makeRollupQueries(db)
  const plain = <A>(option: Option.Option<A>) => Option.getOrNull(option)
  const operations: Record<ReadOperation, (...args: any[]) => unknown> = {
    search: records.search,
    context: (id, before, after) => plain(records.context(id, before, after)),
    facets: records.facets,
    histogram: records.histogram,
    counts: rollups.counts,
    series: rollups.series,
    topErrors: rollups.topErrors,
    allTime: rollups.allTime
  }
  // One read transaction per operation: every statement of it sees the same snapshot, so a
  // block that retention drops or rewrites meanwhile is read as it was, not found half gone.
  const inSnapshot = db.transaction((operation: ReadOperation, args: ReadonlyArray<unknown>) => operations[operation](...args))
  run = (operation, args) => inSnapshot(operation, args)
}

self.onmessage = (event: MessageEvent<ReaderRequest>) => {
  const request = event.data
  let reply: ReaderReply
  try {
    if (request.type === "open") {
      open(request.config)
      reply = { id: request.id, ok: true, value: null }
    } else {
      reply = { id: request.id, ok: true, value: run!(request.operation, request.args) }
    }
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e)
    reply = { id: request.id, ok: false, error: message, ...(e instanceof ReadBudgetExceeded ? { timedOutAfterMs: e.budgetMs } : {}) }
  }
  self.postMessage(reply)
}
