import type { SQLQueryBindings, Statement } from "bun:sqlite"
import { Effect, Layer, Option } from "effect"
import { StoreUnavailable } from "../../domain/errors.ts"
import type { Attributes, Level, LogRecord } from "../../domain/log-record.ts"
import { encodeCursor, type SearchRequest } from "../../domain/search-request.ts"
import { type AllTimeCount, type ErrorGroup, type LevelCount, LogStore, type RollupFilter, type SearchPage, type SeriesPoint } from "../../ports/log-store.ts"
import { openDatabase, type SqliteStoreConfig } from "./sqlite-open.ts"
import { addServiceAndLevel, compileWhere, ftsOnly } from "./sqlite-query.ts"
import { SqliteWriterThread } from "./sqlite-writer-thread.ts"

/**
 * The embedded LogStore: SQLite (WAL) with an FTS5 index over messages, one transaction per
 * batch. Writes run on a writer thread (the second core); searches read on this thread, which
 * WAL allows while a write is in progress, and see every batch once its write is answered.
 */

interface Row {
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

const COLUMNS = "seq, id, ts, received_at, service, level, message, host, trace_id, span_id, correlation_id, attributes"

const toRecord = (row: Row): LogRecord => {
  const record: { -readonly [K in keyof LogRecord]: LogRecord[K] } = {
    id: row.id,
    timestamp: row.ts,
    received_at: row.received_at,
    service: row.service,
    level: row.level as Level,
    message: row.message,
    attributes: row.attributes ? JSON.parse(row.attributes) as Attributes : {}
  }
  if (row.host !== null) record.host = row.host
  if (row.trace_id !== null) record.trace_id = row.trace_id
  if (row.span_id !== null) record.span_id = row.span_id
  if (row.correlation_id !== null) record.correlation_id = row.correlation_id
  return record
}

const unavailable = (e: unknown) => new StoreUnavailable({ reason: e instanceof Error ? e.message : String(e) })

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

    const byId = db.query<Row, [string]>(`SELECT ${COLUMNS} FROM logs WHERE id = ?`)
    // Prepared statements by SQL text. Text queries make many shapes, so the cache is bounded:
    // past the limit it starts over (statements are cheap to prepare again).
    const statements = new Map<string, Statement<any, any>>()
    const cached = <T>(sql: string): Statement<T, any> => {
      let statement = statements.get(sql)
      if (!statement) {
        if (statements.size >= 512) {
          for (const s of statements.values()) s.finalize()
          statements.clear()
        }
        statements.set(sql, statement = db.prepare(sql))
      }
      return statement as Statement<T, any>
    }

    const countMatches = (request: SearchRequest) => {
      // Free text alone: the full-text index counts without touching the logs table.
      const fts = ftsOnly(request)
      if (fts !== undefined) {
        return cached<{ n: number }>("SELECT count(*) AS n FROM (SELECT 1 FROM logs_fts WHERE logs_fts MATCH ? LIMIT ?)").get(fts, config.countCap + 1)!.n
      }
      const all = compileWhere(request, false)
      return cached<{ n: number }>(`SELECT count(*) AS n FROM (SELECT 1 FROM logs ${all.sql} LIMIT ?)`).get(...all.params, config.countCap + 1)!.n
    }

    const search = (request: SearchRequest): SearchPage => {
      const n = countMatches(request)
      // Past the cap, matches are dense enough that walking the time index newest first
      // reaches a page quickly; below it, fetching the few matches and sorting them is cheaper.
      const page = compileWhere(request, true, n > config.countCap ? "scan" : "lookup")
      const rows = cached<Row>(`SELECT ${COLUMNS} FROM logs ${page.sql} ORDER BY ts DESC, seq DESC LIMIT ?`)
        .all(...page.params, request.limit + 1)
      const hasMore = rows.length > request.limit
      if (hasMore) rows.pop()
      const last = rows[rows.length - 1]
      return {
        logs: rows.map(toRecord),
        total: Math.min(n, config.countCap),
        total_is_lower_bound: n > config.countCap,
        ...(hasMore && last ? { next_cursor: encodeCursor({ timestamp: last.ts, tiebreak: String(last.seq) }) } : {})
      }
    }

    const rollupWhere = (filter: RollupFilter) => {
      const conditions = ["minute BETWEEN ? AND ?"]
      const params: SQLQueryBindings[] = [Math.floor(filter.from / 60_000), Math.floor(filter.to / 60_000)]
      addServiceAndLevel(filter, conditions, params)
      return { sql: conditions.join(" AND "), params }
    }
    const read = <A>(f: () => A) => Effect.try({ try: f, catch: unavailable })

    return LogStore.of({
      index: (batch) => Effect.tryPromise({ try: () => writer.write(batch), catch: unavailable }),
      search: (request) => Effect.try({ try: () => search(request), catch: unavailable }),
      get: (id) => Effect.try({ try: () => Option.fromNullable(byId.get(id)).pipe(Option.map(toRecord)), catch: unavailable }),
      context: (id, before, after) =>
        read(() => {
          const anchor = byId.get(id)
          if (!anchor) return Option.none()
          // Same service, and same host when the record has one; ordered by (ts, seq) like search.
          const same = "service = ?2 AND (?3 IS NULL OR host = ?3)"
          const older = cached<Row>(`SELECT ${COLUMNS} FROM logs WHERE ${same} AND (ts < ?1 OR (ts = ?1 AND seq < ?4)) ORDER BY ts DESC, seq DESC LIMIT ?5`)
            .all(anchor.ts, anchor.service, anchor.host, anchor.seq, before)
          const newer = cached<Row>(`SELECT ${COLUMNS} FROM logs WHERE ${same} AND (ts > ?1 OR (ts = ?1 AND seq > ?4)) ORDER BY ts ASC, seq ASC LIMIT ?5`)
            .all(anchor.ts, anchor.service, anchor.host, anchor.seq, after)
          return Option.some({ before: older.reverse().map(toRecord), record: toRecord(anchor), after: newer.map(toRecord) })
        }),
      facets: (request, fields, top, scanLimit) =>
        read(() => {
          const where = compileWhere({ ...request, limit: 0 }, false)
          const sample = `SELECT service, level, host FROM logs ${where.sql} ORDER BY ts DESC, seq DESC LIMIT ?`
          const { n } = cached<{ n: number }>(`SELECT count(*) AS n FROM (${sample})`).get(...where.params, scanLimit)!
          const result: Record<string, Array<{ value: string; count: number }>> = {}
          for (const field of fields) {
            // `field` is one of three constants (the route validates it), never user text.
            result[field] = cached<{ value: string; count: number }>(
              `SELECT ${field} AS value, count(*) AS count FROM (${sample}) WHERE ${field} IS NOT NULL GROUP BY ${field} ORDER BY count DESC, value LIMIT ?`
            ).all(...where.params, scanLimit, top)
          }
          return { fields: result, scanned: n, sampled: n >= scanLimit }
        }),
      histogram: (request, bucketMs) =>
        read(() => {
          const where = compileWhere({ ...request, limit: 0 }, false)
          return cached<{ bucket: number; count: number }>(
            `SELECT (ts / ?) * ? AS bucket, count(*) AS count FROM logs ${where.sql} GROUP BY 1 ORDER BY 1`
          ).all(bucketMs, bucketMs, ...where.params)
        }),
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
