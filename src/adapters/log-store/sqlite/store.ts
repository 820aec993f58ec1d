import { Effect, Layer, Option } from "effect"
import { QueryTimedOut, StoreBusy, type StoreReadError, StoreUnavailable } from "../../../domain/errors.ts"
import { LogStore } from "../../../ports/log-store.ts"
import { openDatabase, type SqliteStoreConfig } from "./open.ts"
import { ReadBudgetExceeded } from "./read-budget.ts"
import { ReaderPool, ReadersBusy } from "./reader-pool.ts"
import type { ReadOperation } from "./reader-protocol.ts"
import { makeRecordQueries } from "./record-queries.ts"
import { makeRollupQueries } from "./rollup-read.ts"
import { SqliteWriterThread } from "./writer-thread.ts"

/**
 * The embedded LogStore: SQLite (WAL), records kept in blocks of one service (block-codec.ts)
 * with a full-text index per block, one transaction per batch. Writes run on a writer thread
 * (the second core), checkpoints on a thread of their own; reads run on a pool of reader
 * threads (reader-pool.ts), each on a read-only connection, which WAL allows while a write is in
 * progress, and see every batch once its write is answered. Lookups by id and health stay on
 * this thread's connection: one indexed row each.
 */

/** How often the checkpointer thread copies the write-ahead log into the database file. */
const CHECKPOINT_INTERVAL_MS = 250

const unavailable = (e: unknown) => new StoreUnavailable({ reason: e instanceof Error ? e.message : String(e) })

/** A read's failure as the port's error. */
const readError = (e: unknown): StoreReadError =>
  e instanceof ReadBudgetExceeded ? new QueryTimedOut({ budgetMs: e.budgetMs }) : e instanceof ReadersBusy ? new StoreBusy({ queue: e.queue }) : unavailable(e)

/** The reader threads, ended with the store; reads on them are dropped from the queue when their caller is interrupted. */
const startReaders = (config: SqliteStoreConfig, readers: NonNullable<SqliteStoreConfig["readers"]>) =>
  Effect.gen(function* () {
    const pool = yield* Effect.acquireRelease(
      // The threads share the search-text cache's bound: each keeps its part.
      Effect.sync(() => {
        const store = { ...config, searchTextCacheBytes: Math.floor((config.searchTextCacheBytes ?? 0) / readers.threads) }
        return new ReaderPool({ size: readers.threads, queue: readers.queue, store })
      }),
      (pool) => Effect.sync(() => pool.close())
    )
    yield* Effect.tryPromise({ try: () => pool.ready(), catch: unavailable })
    return <A>(operation: ReadOperation, args: ReadonlyArray<unknown>) =>
      Effect.async<A, StoreReadError>((resume) => {
        const drop = pool.run(operation, args, (outcome) => resume(outcome.ok ? Effect.succeed(outcome.value as A) : Effect.fail(readError(outcome.error))))
        return Effect.sync(drop)
      })
  })

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
    const read = <A>(f: () => A) => Effect.try({ try: f, catch: readError })
    const onThisThread = {
      search: records.search,
      context: (id: string, before: number, after: number) => Option.getOrNull(records.context(id, before, after)),
      facets: records.facets,
      histogram: records.histogram,
      ...rollups
    } satisfies Record<ReadOperation, (...args: any[]) => unknown>
    const pooled = config.readers === undefined ? undefined : yield* startReaders(config, config.readers)
    /** One read, on a reader thread when there are any. */
    const run = <Op extends ReadOperation>(operation: Op, ...args: Parameters<(typeof onThisThread)[Op]>) =>
      pooled
        ? pooled<ReturnType<(typeof onThisThread)[Op]>>(operation, args)
        : read(() => (onThisThread[operation] as (...a: unknown[]) => ReturnType<(typeof onThisThread)[Op]>)(...args))

    return LogStore.of({
      index: (batch) => Effect.tryPromise({ try: () => writer.write(batch), catch: unavailable }),
      search: (request) => run("search", request),
      get: (id) => read(() => records.get(id)),
      context: (id, before, after) => run("context", id, before, after).pipe(Effect.map(Option.fromNullable)),
      facets: (request, fields, top, scanLimit) => run("facets", request, fields, top, scanLimit),
      histogram: (request, bucketMs) => run("histogram", request, bucketMs),
      counts: (filter) => run("counts", filter),
      series: (filter, bucketMinutes) => run("series", filter, bucketMinutes),
      topErrors: (filter, limit) => run("topErrors", filter, limit),
      allTime: (service) => run("allTime", service),
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
