import type { SQLQueryBindings, Statement } from "bun:sqlite"
import { Effect, Layer, Option } from "effect"
import { StoreUnavailable } from "../../../domain/errors.ts"
import { LEVELS } from "../../../domain/log-record.ts"
import { encodeCursor, type SearchRequest } from "../../../domain/search-request.ts"
import { type AllTimeCount, type ErrorGroup, type FacetField, type LevelCount, LogStore, type RollupFilter, type SearchPage, type SeriesPoint } from "../../../ports/log-store.ts"
import { makeBlockReader } from "./block-read.ts"
import { makeScanner, seqOf, type Hit } from "./block-scan.ts"
import { openDatabase, type SqliteStoreConfig } from "./open.ts"
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

const recordsOf = (hits: ReadonlyArray<Hit>) => hits.map((h) => h.block.record(h.index))

export const makeSqliteStore = (config: SqliteStoreConfig) =>
  Effect.gen(function*() {
    const db = yield* Effect.acquireRelease(
      Effect.try({ try: () => openDatabase(config), catch: unavailable }),
      (db) => Effect.sync(() => {
        db.run("PRAGMA optimize")
        db.close()
      })
    )

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

    const reader = makeBlockReader(db)
    const scanner = makeScanner(db, reader)
    // Rollup queries have few shapes; prepared once each.
    const statements = new Map<string, Statement<any, any>>()
    const cached = <T>(sql: string): Statement<T, any> => {
      let statement = statements.get(sql)
      if (!statement) statements.set(sql, statement = db.prepare(sql))
      return statement as Statement<T, any>
    }

    const search = (request: SearchRequest): SearchPage => {
      const before = request.cursor && { ts: request.cursor.timestamp, seq: Number(request.cursor.tiebreak) }
      const countUntil = performance.now() + (config.countBudgetMs ?? Infinity)
      const { hits, count, counted } = scanner.newest(request, request.limit + 1, before, config.countCap, countUntil, Date.now())
      const hasMore = hits.length > request.limit
      const page = hits.slice(0, request.limit)
      const last = page.at(-1)
      return {
        logs: recordsOf(page),
        total: Math.min(count, config.countCap),
        total_is_lower_bound: count > config.countCap || !counted,
        ...(hasMore && last ? { next_cursor: encodeCursor({ timestamp: last.ts, tiebreak: String(last.seq) }) } : {})
      }
    }

    const read = <A>(f: () => A) => Effect.try({ try: f, catch: unavailable })

    const rollupWhere = (filter: RollupFilter) => {
      const conditions = ["minute BETWEEN ? AND ?"]
      const params: SQLQueryBindings[] = [Math.floor(filter.from / 60_000), Math.floor(filter.to / 60_000)]
      // Lists are bound as one JSON parameter each.
      if (filter.services?.length) {
        conditions.push("service IN (SELECT value FROM json_each(?))")
        params.push(JSON.stringify(filter.services))
      }
      if (filter.levels?.length) {
        conditions.push("level IN (SELECT value FROM json_each(?))")
        params.push(JSON.stringify(filter.levels))
      }
      return { sql: conditions.join(" AND "), params }
    }

    return LogStore.of({
      index: (batch) => Effect.tryPromise({ try: () => writer.write(batch), catch: unavailable }),
      search: (request) => read(() => search(request)),
      get: (id) => read(() => Option.fromNullable(reader.find(id)).pipe(Option.map(({ block, index }) => block.record(index)))),
      context: (id, before, after) =>
        read(() => {
          const found = reader.find(id)
          if (!found) return Option.none()
          const anchor = found.block.record(found.index)
          const at = { ts: anchor.timestamp, seq: seqOf(found.block, found.index) }
          // Same service, and same host when the record has one; ordered by (ts, seq) like search.
          const same = {
            services: [anchor.service],
            ...(anchor.host === undefined ? {} : { text: { kind: "field", field: "host", op: "eq", value: anchor.host } as const })
          }
          const older = before > 0 ? scanner.newest(same, before, at, 0, 0, Date.now()).hits : []
          const newer = after > 0 ? scanner.oldest(same, after, at, Date.now()) : []
          return Option.some({ before: recordsOf(older).reverse(), record: anchor, after: recordsOf(newer) })
        }),
      facets: (request, fields, top, scanLimit) =>
        read(() => {
          const tallies = new Map(fields.map((f) => [f, new Map<string, number>()]))
          const tally = (field: FacetField, value: string | undefined) => {
            const counts = tallies.get(field)
            if (counts && value !== undefined) counts.set(value, (counts.get(value) ?? 0) + 1)
          }
          let scanned = 0
          // A sample as large as the limit allows, and as the time budget allows.
          const until = performance.now() + (config.countBudgetMs ?? Infinity)
          const whole = scanner.forEachMatch(request, Date.now(), (block, rows) => {
            const hosts = fields.includes("host") ? block.hosts() : []
            // Newest rows first: they are the ones to count when the limit falls inside a block.
            for (let i = rows.length - 1; i >= 0 && scanned < scanLimit; i--) {
              if (!rows[i]) continue
              scanned++
              tally("service", block.summary.service)
              tally("level", LEVELS[block.head.level[i]!])
              const h = block.head.host[i]!
              tally("host", h === 0 ? undefined : hosts[h - 1])
            }
            return scanned < scanLimit && performance.now() < until
          })
          const result: Record<string, Array<{ value: string; count: number }>> = {}
          for (const [field, counts] of tallies) {
            result[field] = [...counts].map(([value, count]) => ({ value, count }))
              .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
              .slice(0, top)
          }
          return { fields: result, scanned, sampled: !whole }
        }),
      histogram: (request, bucketMs) => read(() => scanner.histogram(request, bucketMs, Date.now())),
      counts: (filter) =>
        read(() => {
          const where = rollupWhere(filter)
          return cached<LevelCount>(`SELECT service, level, sum(count) AS count, sum(bytes) AS bytes FROM rollup_minute WHERE ${where.sql} GROUP BY service, level`)
            .all(...where.params)
        }),
      series: (filter, bucketMinutes) =>
        read(() => {
          const where = rollupWhere(filter)
          // Without a service filter the per-level table answers from a fraction of the rows.
          const table = filter.services?.length ? "rollup_minute" : "rollup_level_minute"
          return cached<SeriesPoint>(
            `SELECT (minute / ?) * ? * 60000 AS bucket, level, sum(count) AS count FROM ${table} WHERE ${where.sql} GROUP BY 1, level ORDER BY 1`
          ).all(bucketMinutes, bucketMinutes, ...where.params)
        }),
      topErrors: (filter, limit) =>
        read(() => {
          // Fingerprints are of errors only: a level filter does not apply.
          const where = rollupWhere({ from: filter.from, to: filter.to, ...(filter.services ? { services: filter.services } : {}) })
          return cached<ErrorGroup>(
            `SELECT fingerprint, service, sum(count) AS count, max(sample) AS sample, max(minute) * 60000 AS last_seen
             FROM error_fingerprints WHERE ${where.sql} GROUP BY fingerprint, service ORDER BY count DESC, last_seen DESC LIMIT ?`
          ).all(...where.params, limit)
        }),
      allTime: (service) =>
        read(() =>
          cached<AllTimeCount>(
            `SELECT service, level, count, bytes, first_minute * 60000 AS first_seen, (last_minute + 1) * 60000 - 1 AS last_seen
             FROM rollup_totals WHERE ? IS NULL OR service = ?`
          ).all(service ?? null, service ?? null)
        ),
      expire: (rule, limit) => Effect.tryPromise({ try: () => writer.expire(rule, limit), catch: unavailable }),
      health: Effect.sync(() => {
        try {
          const { bytes } = db.query<{ bytes: number }, []>(
            "SELECT page_count * page_size AS bytes FROM pragma_page_count(), pragma_page_size()"
          ).get()!
          return { status: "healthy" as const, details: { engine: "sqlite", bytes } }
        } catch {
          return { status: "unhealthy" as const, details: { engine: "sqlite", error: "unreadable" } }
        }
      })
    })
  })

export type { SqliteStoreConfig }

export const SqliteStoreLive = (config: SqliteStoreConfig) => Layer.scoped(LogStore, makeSqliteStore(config))
