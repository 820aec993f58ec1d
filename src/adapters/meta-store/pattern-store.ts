import type { SQL } from "bun"
import { Effect, Layer } from "effect"
import { LEVELS, type Level } from "../../domain/log-record.ts"
import type { PatternChanges, PatternRow } from "../../domain/pattern-book.ts"
import { MetaDatabase } from "../../ports/meta-database.ts"
import { PatternStore, type PatternTotals } from "../../ports/pattern-store.ts"

/**
 * The PatternStore port in the metadata store's `log_patterns` and `log_pattern_minutes`
 * tables (migration 3). Every write adds counts (`count = count + excluded.count`), so a
 * restart, a retried flush of kept changes, or two workers that learned the same template
 * never overwrite each other's records.
 */

/** Rows per INSERT: 11 columns × 500 stays far below PostgreSQL's 65,535 parameters. */
const CHUNK = 500

type Num = number | string | bigint
interface PatternDbRow {
  id: string
  service: string
  template: string
  count: Num
  first_seen: Num
  last_seen: Num
  sample_id: string
}

const chunks = <A>(items: ReadonlyArray<A>): A[][] => {
  const out: A[][] = []
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK))
  return out
}

const fromDb = (r: PatternDbRow): PatternRow => ({
  id: r.id,
  service: r.service,
  template: r.template,
  count: Number(r.count),
  firstSeen: Number(r.first_seen),
  lastSeen: Number(r.last_seen),
  sampleId: r.sample_id
})

const levelColumns = (levels: ReadonlyArray<number>) =>
  Object.fromEntries(LEVELS.map((level, i) => [level.toLowerCase(), levels[i] ?? 0])) as Record<Lowercase<Level>, number>

const save = async (sql: SQL, changes: PatternChanges) =>
  sql.begin(async (tx) => {
    for (const ids of chunks(changes.evicted)) {
      await tx`DELETE FROM log_pattern_minutes WHERE pattern_id IN ${tx(ids)}`
      await tx`DELETE FROM log_patterns WHERE id IN ${tx(ids)}`
    }
    for (const part of chunks(changes.patterns)) {
      const rows = part.map((p) => ({
        id: p.id,
        service: p.service,
        template: p.template,
        count: p.added,
        first_seen: p.firstSeen,
        last_seen: p.lastSeen,
        sample_id: p.sampleId
      }))
      await tx`INSERT INTO log_patterns ${tx(rows)}
        ON CONFLICT (id) DO UPDATE SET template = excluded.template, count = log_patterns.count + excluded.count,
          last_seen = CASE WHEN excluded.last_seen > log_patterns.last_seen THEN excluded.last_seen ELSE log_patterns.last_seen END`
    }
    for (const part of chunks(changes.minutes)) {
      const rows = part.map((m) => ({
        pattern_id: m.patternId,
        service: m.service,
        minute: m.minute,
        count: m.count,
        ...levelColumns(m.levels),
        sample_id: m.sampleId
      }))
      await tx`INSERT INTO log_pattern_minutes ${tx(rows)}
        ON CONFLICT (pattern_id, minute) DO UPDATE SET count = log_pattern_minutes.count + excluded.count,
          trace = log_pattern_minutes.trace + excluded.trace, debug = log_pattern_minutes.debug + excluded.debug,
          info = log_pattern_minutes.info + excluded.info, warn = log_pattern_minutes.warn + excluded.warn,
          error = log_pattern_minutes.error + excluded.error, fatal = log_pattern_minutes.fatal + excluded.fatal`
    }
  })

type TotalsDbRow = PatternDbRow & Record<Lowercase<Level>, Num>

const totals = async (sql: SQL, filter: { service?: string; from: number; to: number }): Promise<PatternTotals[]> => {
  const service = filter.service ?? null
  const rows: TotalsDbRow[] = await sql`
    SELECT p.id, p.service, p.template, p.first_seen, p.last_seen, MAX(m.sample_id) AS sample_id, SUM(m.count) AS count,
      SUM(m.trace) AS trace, SUM(m.debug) AS debug, SUM(m.info) AS info, SUM(m.warn) AS warn, SUM(m.error) AS error, SUM(m.fatal) AS fatal
    FROM log_pattern_minutes m JOIN log_patterns p ON p.id = m.pattern_id
    WHERE m.minute >= ${filter.from} AND m.minute <= ${filter.to} AND (CAST(${service} AS TEXT) IS NULL OR m.service = ${service})
    GROUP BY p.id, p.service, p.template, p.first_seen, p.last_seen`
  return rows.map((r) => ({
    ...fromDb(r),
    levels: Object.fromEntries(LEVELS.map((level) => [level, Number(r[level.toLowerCase() as Lowercase<Level>])])) as Record<Level, number>
  }))
}

const series = async (sql: SQL, ids: ReadonlyArray<string>, range: { from: number; to: number }, bucketMs: number) => {
  if (ids.length === 0) return []
  // Integer division on both engines: the bucket is cast, or PostgreSQL would divide in floating point.
  const rows: Array<{ pattern_id: string; bucket: Num; count: Num }> = await sql`
    SELECT pattern_id, (minute / CAST(${bucketMs} AS BIGINT)) * CAST(${bucketMs} AS BIGINT) AS bucket, SUM(count) AS count
    FROM log_pattern_minutes
    WHERE pattern_id IN ${sql(ids as string[])} AND minute >= ${range.from} AND minute <= ${range.to}
    GROUP BY pattern_id, 2`
  return rows.map((r) => ({ patternId: r.pattern_id, bucket: Number(r.bucket), count: Number(r.count) }))
}

export const PatternStoreLive = Layer.effect(
  PatternStore,
  Effect.gen(function* () {
    const db = yield* MetaDatabase
    return PatternStore.of({
      load: db.query("log_patterns.load", async (sql) => ((await sql`SELECT * FROM log_patterns`) as PatternDbRow[]).map(fromDb)),
      save: (changes) =>
        changes.patterns.length + changes.minutes.length + changes.evicted.length === 0
          ? Effect.void
          : db.query("log_patterns.save", (sql) => save(sql, changes)).pipe(Effect.asVoid),
      prune: (before) =>
        db
          .query("log_patterns.prune", async (sql) => {
            await sql`DELETE FROM log_pattern_minutes WHERE minute < ${before}`
            await sql`DELETE FROM log_patterns WHERE last_seen < ${before}`
          })
          .pipe(Effect.asVoid),
      totals: (filter) => db.query("log_patterns.totals", (sql) => totals(sql, filter)),
      series: (ids, range, bucketMs) => db.query("log_patterns.series", (sql) => series(sql, ids, range, bucketMs))
    })
  })
)
