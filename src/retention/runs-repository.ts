import { Effect, Layer } from "effect"
import { z } from "zod"
import { MetaDatabase } from "../ports/meta-database.ts"
import { type RetentionRun, RetentionRuns } from "../ports/retention-runs.ts"

/**
 * The RetentionRuns port in the metadata store's `system_config` table, one key each: only the
 * lease holder writes the last run, anyone may write the request, so neither write has to read
 * the other first.
 */

const LAST_RUN = "retention.last_run"
const REQUESTED = "retention.requested_at"

const RunRow = z.object({ at: z.number(), by: z.string(), deleted: z.number() })
const RequestRow = z.object({ at: z.number() })

export const RetentionRunsLive = Layer.effect(
  RetentionRuns,
  Effect.gen(function* () {
    const db = yield* MetaDatabase
    const read = <A>(key: string, schema: z.ZodType<A>) =>
      db
        .query("system_config.get", (sql) => sql<Array<{ value: string }>>`SELECT value FROM system_config WHERE key = ${key}`)
        // A row another version wrote in a shape this one does not know reads as absent.
        .pipe(Effect.map((rows) => (rows[0] ? schema.safeParse(JSON.parse(rows[0].value)).data : undefined)))
    const write = (key: string, value: unknown, by: string) =>
      db
        .query("system_config.put", (sql) => {
          const row = { key, value: JSON.stringify(value), updated_at: new Date().toISOString(), updated_by: by }
          return sql`INSERT INTO system_config ${sql(row)}
          ON CONFLICT (key) DO UPDATE SET value = ${row.value}, updated_at = ${row.updated_at}, updated_by = ${row.updated_by}`
        })
        .pipe(Effect.asVoid)
    return RetentionRuns.of({
      last: read(LAST_RUN, RunRow),
      record: (run: RetentionRun) => write(LAST_RUN, run, run.by),
      requested: read(REQUESTED, RequestRow).pipe(Effect.map((row) => row?.at)),
      request: (at) => write(REQUESTED, { at }, "retention")
    })
  })
)
