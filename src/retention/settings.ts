import { Context, Effect, Layer, Option } from "effect"
import { MetaDatabase, type MetaStoreUnavailable } from "../adapters/meta-store/sql-database.ts"
import type { Config } from "../config.ts"

/**
 * How long logs are kept: `RETENTION_DAYS` by default, changed at run time (and per service) by
 * an admin through /api/v1/admin/config, stored in `system_config` so that every process and
 * every restart sees the same settings.
 */
export interface RetentionSettings {
  readonly retention_days: number
  /** Per-service overrides, in days. */
  readonly retention_by_service: Readonly<Record<string, number>>
}

const KEY = "retention"

export class Retention extends Context.Tag("Retention")<Retention, {
  readonly get: Effect.Effect<RetentionSettings, MetaStoreUnavailable>
  readonly put: (settings: RetentionSettings, by: string) => Effect.Effect<RetentionSettings, MetaStoreUnavailable>
}>() {}

export const RetentionLive = (config: Config) => Layer.effect(Retention, Effect.gen(function*() {
  const db = yield* MetaDatabase
  const defaults: RetentionSettings = { retention_days: config.RETENTION_DAYS, retention_by_service: {} }
  const run = <A>(operation: string, f: Parameters<typeof db.query<A>>[1]) => db.query(operation, f).pipe(Effect.catchTag("UniqueViolation", Effect.die))
  return Retention.of({
    get: run("system_config.get", (sql) => sql<Array<{ value: string }>>`SELECT value FROM system_config WHERE key = ${KEY}`).pipe(
      Effect.map((rows) => Option.fromNullable(rows[0]).pipe(
        Option.map((row) => ({ ...defaults, ...JSON.parse(row.value) as Partial<RetentionSettings> })),
        Option.getOrElse(() => defaults)
      ))
    ),
    put: (settings, by) =>
      run("system_config.put", (sql) => {
        const row = { key: KEY, value: JSON.stringify(settings), updated_at: new Date().toISOString(), updated_by: by }
        return sql`INSERT INTO system_config ${sql(row)}
          ON CONFLICT (key) DO UPDATE SET value = ${row.value}, updated_at = ${row.updated_at}, updated_by = ${row.updated_by}`
      }).pipe(Effect.as(settings))
  })
}))
