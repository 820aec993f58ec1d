import { SQL } from "bun"
import { mkdirSync } from "node:fs"
import { dirname } from "node:path"
import { Effect, Layer } from "effect"
import { MetaStoreUnavailable } from "../../domain/errors.ts"
import { type Dialect, MetaDatabase, UniqueViolation } from "../../ports/meta-database.ts"
import { MIGRATIONS } from "./migrations.ts"

/** The MetaDatabase port on `bun:sql`: SQLite (a file in DATA_DIR) or PostgreSQL, by URL. */

const isUniqueViolation = (e: unknown) => {
  const error = e as { code?: string; errno?: string | number }
  return error?.errno === "23505" || (typeof error?.code === "string" && /^SQLITE_CONSTRAINT_(UNIQUE|PRIMARYKEY)$/.test(error.code))
}

export const dialectOf = (url: string): Dialect => (url.startsWith("sqlite:") ? "sqlite" : "postgres")

/** Redacts the password of a database URL for logs and /health. */
export const redactUrl = (url: string) => url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@")

const describe = (e: unknown) => (e instanceof Error ? e.message : String(e))

/** Applies the migrations not yet applied, each in its own transaction; safe to run concurrently. */
export const migrate = (sql: SQL, dialect: Dialect) =>
  // Serialises concurrent start-ups: SQLite takes its write lock at BEGIN IMMEDIATE;
  // PostgreSQL takes an advisory lock inside the transaction.
  sql.begin(dialect === "sqlite" ? "IMMEDIATE" : "", async (tx) => {
    if (dialect === "postgres") await tx`SELECT pg_advisory_xact_lock(7305)`
    await tx.unsafe("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
    const rows: Array<{ version: number | string }> = await tx`SELECT version FROM schema_migrations`
    const applied = new Set(rows.map((r) => Number(r.version)))
    const done: number[] = []
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue
      for (const statement of migration.statements) await tx.unsafe(statement)
      await tx`INSERT INTO schema_migrations ${tx({ version: migration.version, name: migration.name, applied_at: new Date().toISOString() })}`
      done.push(migration.version)
    }
    return done
  })

export const openMetaSql = (url: string): SQL => {
  const dialect = dialectOf(url)
  if (dialect === "sqlite") mkdirSync(dirname(url.slice("sqlite://".length)), { recursive: true })
  return dialect === "sqlite"
    ? new SQL(url)
    : // Fail fast when PostgreSQL is down, so requests get a 503 instead of hanging.
      new SQL(url, { max: 10, connectionTimeout: 5, idleTimeout: 30 })
}

/** Counts queries and in-flight connections, when telemetry is on. */
export interface QueryObserver {
  readonly started: (operation: string) => void
  readonly finished: () => void
}

export const makeMetaDatabase = (url: string, observer?: QueryObserver) =>
  Effect.gen(function* () {
    const dialect = dialectOf(url)
    const sql = yield* Effect.acquireRelease(
      Effect.sync(() => openMetaSql(url)),
      (sql) => Effect.promise(() => sql.close()).pipe(Effect.timeoutOption("5 seconds"))
    )
    if (dialect === "sqlite") {
      yield* Effect.tryPromise({
        try: async () => {
          await sql.unsafe("PRAGMA journal_mode = WAL")
          await sql.unsafe("PRAGMA busy_timeout = 5000")
          await sql.unsafe("PRAGMA foreign_keys = ON")
        },
        catch: (e) => new MetaStoreUnavailable({ reason: describe(e) })
      })
    }
    const applied = yield* Effect.tryPromise({
      try: () => migrate(sql, dialect),
      catch: (e) => new MetaStoreUnavailable({ reason: `migrations failed: ${describe(e)}` })
    })
    if (applied.length) yield* Effect.logInfo(`metadata store migrated to version ${applied.at(-1)}`).pipe(Effect.annotateLogs({ dialect }))

    const run = <A>(operation: string, statement: (sql: SQL) => Promise<A>) =>
      Effect.tryPromise({
        try: async () => {
          observer?.started(operation)
          try {
            return await statement(sql)
          } finally {
            observer?.finished()
          }
        },
        catch: (e) => (isUniqueViolation(e) ? new UniqueViolation({ detail: describe(e) }) : new MetaStoreUnavailable({ reason: describe(e) }))
      })
    const query = <A>(operation: string, statement: (sql: SQL) => Promise<A>) => run(operation, statement).pipe(Effect.catchTag("UniqueViolation", Effect.die))

    return MetaDatabase.of({
      dialect,
      query,
      queryUnique: run,
      health: query("health", (sql) => sql`SELECT 1 AS ok`).pipe(
        Effect.as({ status: "healthy" as const, details: { engine: dialect } }),
        Effect.timeoutOption("3 seconds"),
        Effect.map((result) => (result._tag === "Some" ? result.value : { status: "unhealthy" as const, details: { engine: dialect, error: "timed out" } })),
        // /health is public: the driver's text (hosts, users) stays out of it.
        Effect.catchAll(() => Effect.succeed({ status: "unhealthy" as const, details: { engine: dialect, error: "unreachable" } }))
      )
    })
  })

export const MetaDatabaseLive = (url: string, observer?: QueryObserver) => Layer.scoped(MetaDatabase, makeMetaDatabase(url, observer))
