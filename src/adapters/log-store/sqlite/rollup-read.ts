import type { Database, SQLQueryBindings, Statement } from "bun:sqlite"
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

export const makeRollupQueries = (db: Database) => {
  // Rollup queries have few shapes; prepared once each.
  const statements = new Map<string, Statement<any, any>>()
  const cached = <T>(sql: string): Statement<T, any> => {
    let statement = statements.get(sql)
    if (!statement) statements.set(sql, (statement = db.prepare(sql)))
    return statement as Statement<T, any>
  }

  const counts = (filter: RollupFilter) => {
    const where = rollupWhere(filter)
    return cached<LevelCount>(
      `SELECT service, level, sum(count) AS count, sum(bytes) AS bytes FROM rollup_minute WHERE ${where.sql} GROUP BY service, level`
    ).all(...where.params)
  }

  const series = (filter: RollupFilter, bucketMinutes: number) => {
    const where = rollupWhere(filter)
    // Without a service filter the per-level table answers from a fraction of the rows.
    const table = filter.services?.length ? "rollup_minute" : "rollup_level_minute"
    return cached<SeriesPoint>(
      `SELECT (minute / ?) * ? * 60000 AS bucket, level, sum(count) AS count FROM ${table} WHERE ${where.sql} GROUP BY 1, level ORDER BY 1`
    ).all(bucketMinutes, bucketMinutes, ...where.params)
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
