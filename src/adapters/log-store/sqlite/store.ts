import { Effect, Layer } from "effect"
import { QueryTimedOut, StoreUnavailable } from "../../../domain/errors.ts"
import { LogStore } from "../../../ports/log-store.ts"
import { openDatabase, type SqliteStoreConfig } from "./open.ts"
import { makeRecordQueries } from "./record-queries.ts"
import { ReadBudgetExceeded } from "./read-budget.ts"
import { makeRollupQueries } from "./rollup-read.ts"
import { SqliteWriterThread } from "./writer-thread.ts"

/**
 * The embedded LogStore: SQLite (WAL), records kept in blocks of one service (block-codec.ts)
 * with a full-text index per block, one transaction per batch. Writes run on a writer thread
 * (the second core), checkpoints on a thread of their own; searches read on this thread, which
 * WAL allows while a write is in progress, and see every batch once its write is answered.
 */

/** How often the checkpointer thread copies the write-ahead log into the database file. */
const CHECKPOINT_INTERVAL_MS = 250

const unavailable = (e: unknown) => new StoreUnavailable({ reason: e instanceof Error ? e.message : String(e) })

/** The connection searches read through, closed with the store. */
const openReader = (config: SqliteStoreConfig) =>
  Effect.acquireRelease(Effect.try({ try: () => openDatabase(config), catch: unavailable }), (db) =>
    Effect.sync(() => {
      db.run("PRAGMA optimize")
      db.close()
    })
  )

/** The writer thread, open, and the checkpointer thread beside it; both stopped with the store. */
const startWriter = (config: SqliteStoreConfig) =>
  Effect.gen(function* () {
    const writer = yield* Effect.acquireRelease(
      Effect.sync(() => new SqliteWriterThread(config)),
      (writer) => Effect.promise(() => writer.close())
    )
    yield* Effect.tryPromise({ try: () => writer.open(), catch: unavailable })
    yield* Effect.acquireRelease(
      Effect.sync(() => {
        const checkpointer = new Worker(new URL("./checkpointer.worker.ts", import.meta.url).href)
        checkpointer.postMessage({ path: config.path, intervalMs: CHECKPOINT_INTERVAL_MS })
        return checkpointer
      }),
      (checkpointer) => Effect.sync(() => checkpointer.terminate())
    )
    return writer
  })

export const makeSqliteStore = (config: SqliteStoreConfig) =>
  Effect.gen(function* () {
    const db = yield* openReader(config)
    const writer = yield* startWriter(config)
    const records = makeRecordQueries(db, config)
    const rollups = makeRollupQueries(db)
    const read = <A>(f: () => A) =>
      Effect.try({ try: f, catch: (e) => (e instanceof ReadBudgetExceeded ? new QueryTimedOut({ budgetMs: e.budgetMs }) : unavailable(e)) })

    return LogStore.of({
      index: (batch) => Effect.tryPromise({ try: () => writer.write(batch), catch: unavailable }),
      search: (request) => read(() => records.search(request)),
      get: (id) => read(() => records.get(id)),
      context: (id, before, after) => read(() => records.context(id, before, after)),
      facets: (request, fields, top, scanLimit) => read(() => records.facets(request, fields, top, scanLimit)),
      histogram: (request, bucketMs) => read(() => records.histogram(request, bucketMs)),
      counts: (filter) => read(() => rollups.counts(filter)),
      series: (filter, bucketMinutes) => read(() => rollups.series(filter, bucketMinutes)),
      topErrors: (filter, limit) => read(() => rollups.topErrors(filter, limit)),
      allTime: (service) => read(() => rollups.allTime(service)),
      expire: (rule, limit) => Effect.tryPromise({ try: () => writer.expire(rule, limit), catch: unavailable }),
      health: Effect.sync(() => {
        try {
          const { bytes } = db.query<{ bytes: number }, []>("SELECT page_count * page_size AS bytes FROM pragma_page_count(), pragma_page_size()").get()!
          return { status: "healthy" as const, details: { engine: "sqlite", bytes } }
        } catch {
          return { status: "unhealthy" as const, details: { engine: "sqlite", error: "unreadable" } }
        }
      })
    })
  })

export type { SqliteStoreConfig }

export const SqliteStoreLive = (config: SqliteStoreConfig) => Layer.scoped(LogStore, makeSqliteStore(config))
