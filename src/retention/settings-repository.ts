import { Effect, Layer, Option } from "effect"
import { Retention, type RetentionSettings } from "../ports/retention-settings.ts"
import { MetaDatabase } from "../ports/meta-database.ts"
import type { Config } from "../config.ts"

/** The Retention port in the metadata store's `system_config` table. */

const KEY = "retention"

export const RetentionLive = (config: Config) =>
  Layer.effect(
    Retention,
    Effect.gen(function* () {
      const db = yield* MetaDatabase
      const defaults: RetentionSettings = { retention_days: config.RETENTION_DAYS, retention_by_service: {} }
      return Retention.of({
        get: db
          .query("system_config.get", (sql) => sql<Array<{ value: string }>>`SELECT value FROM system_config WHERE key = ${KEY}`)
          .pipe(
            Effect.map((rows) =>
              Option.fromNullable(rows[0]).pipe(
                Option.map((row) => ({ ...defaults, ...(JSON.parse(row.value) as Partial<RetentionSettings>) })),
                Option.getOrElse(() => defaults)
              )
            )
          ),
        put: (settings, by) =>
          db
            .query("system_config.put", (sql) => {
              const row = { key: KEY, value: JSON.stringify(settings), updated_at: new Date().toISOString(), updated_by: by }
              return sql`INSERT INTO system_config ${sql(row)}
          ON CONFLICT (key) DO UPDATE SET value = ${row.value}, updated_at = ${row.updated_at}, updated_by = ${row.updated_by}`
            })
            .pipe(Effect.as(settings))
      })
    })
  )
