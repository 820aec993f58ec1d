import type { Database, SQLQueryBindings, Statement } from "bun:sqlite"
import { LEVELS, type Level } from "../../../domain/log-record.ts"
import type { AllTimeCount, ErrorGroup, LevelCount, RollupFilter, SeriesPoint } from "../../../ports/log-store.ts"

/** What the metrics endpoints and alert rules read of the rollups that the writer keeps (rollup-write.ts). */

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

/**
 * The minute rollups (schema.ts, version 6) hold a row per service number (0: all services)
 * and minute, with a count and bytes per level code: sums of `n0, b0, n1, b1 …`, turned back
 * into a row per level that has records (in level-name order, as rows per level came before).
 */
const LEVEL_SUMS = LEVELS.map((_, code) => `sum(n${code}) AS n${code}, sum(b${code}) AS b${code}`).join(", ")
const BY_NAME = LEVELS.map((level, code) => [level, code] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))

type LevelSums = Record<string, number>

const perLevel = (sums: LevelSums, levels: ReadonlyArray<Level> | undefined, emit: (level: Level, count: number, bytes: number) => void) => {
  for (const [level, code] of BY_NAME) {
    const count = sums[`n${code}`] ?? 0
    if (count > 0 && (!levels?.length || levels.includes(level))) emit(level, count, sums[`b${code}`] ?? 0)
  }
}

/** The rows of the wanted services (or, with `all`, of every service together), over the filter's minutes. */
const minuteRows = (filter: RollupFilter, all: boolean) => {
  const params: SQLQueryBindings[] = []
  let services: string
  if (all) services = "service = 0"
  else if (filter.services?.length) {
    // Lists are bound as one JSON parameter each.
    services = "service IN (SELECT service FROM rollup_services WHERE name IN (SELECT value FROM json_each(?)))"
    params.push(JSON.stringify(filter.services))
  } else services = "service IN (SELECT service FROM rollup_services)"
  params.push(Math.floor(filter.from / 60_000), Math.floor(filter.to / 60_000))
  return { sql: `${services} AND minute BETWEEN ? AND ?`, params }
}

export const makeRollupQueries = (db: Database) => {
  // Rollup queries have few shapes; prepared once each.
  const statements = new Map<string, Statement<any, any>>()
  const cached = <T>(sql: string): Statement<T, any> => {
    let statement = statements.get(sql)
    if (!statement) statements.set(sql, (statement = db.prepare(sql)))
    return statement as Statement<T, any>
  }

  const counts = (filter: RollupFilter): LevelCount[] => {
    const where = minuteRows(filter, false)
    const rows = cached<LevelSums & { name: string }>(
      `SELECT s.name AS name, ${LEVEL_SUMS} FROM rollup_minutes JOIN rollup_services s USING (service) WHERE ${where.sql} GROUP BY service ORDER BY s.name`
    ).all(...where.params)
    const out: LevelCount[] = []
    for (const row of rows) perLevel(row, filter.levels, (level, count, bytes) => out.push({ service: row.name, level, count, bytes }))
    return out
  }

  const series = (filter: RollupFilter, bucketMinutes: number): SeriesPoint[] => {
    // Without a service filter the rows of all services together answer, a row per minute.
    const where = minuteRows(filter, !filter.services?.length)
    const rows = cached<LevelSums & { bucket: number }>(
      `SELECT (minute / ?) * ? * 60000 AS bucket, ${LEVEL_SUMS} FROM rollup_minutes WHERE ${where.sql} GROUP BY 1 ORDER BY 1`
    ).all(bucketMinutes, bucketMinutes, ...where.params)
    const out: SeriesPoint[] = []
    for (const row of rows) perLevel(row, filter.levels, (level, count) => out.push({ bucket: row.bucket, level, count }))
    return out
  }

  const topErrors = (filter: RollupFilter, limit: number) => {
    // Fingerprints are of errors only: a level filter does not apply.
    const where = rollupWhere({ from: filter.from, to: filter.to, ...(filter.services ? { services: filter.services } : {}) })
    return cached<ErrorGroup>(
      `SELECT fingerprint, service, sum(count) AS count, sample, max(minute) * 60000 AS last_seen
       FROM error_minutes JOIN error_kinds USING (kind) WHERE ${where.sql} GROUP BY kind ORDER BY count DESC, last_seen DESC LIMIT ?`
    ).all(...where.params, limit)
  }

  const allTime = (service?: string) =>
    cached<AllTimeCount>(
      `SELECT service, level, count, bytes, first_minute * 60000 AS first_seen, (last_minute + 1) * 60000 - 1 AS last_seen
       FROM rollup_totals WHERE ? IS NULL OR service = ?`
    ).all(service ?? null, service ?? null)

  return { counts, series, topErrors, allTime }
}
