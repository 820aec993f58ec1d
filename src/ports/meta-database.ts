import type { SQL } from "bun"
import { Context, Data, type Effect } from "effect"
import type { MetaStoreUnavailable } from "../domain/errors.ts"

/**
 * The metadata store (users, API keys, alert rules and their history, settings, leases):
 * `bun:sql` over SQLite by default or PostgreSQL. Repositories write portable SQL with tagged
 * templates (every value a bound parameter) and run it through `query`, which turns driver
 * errors into MetaStoreUnavailable (HTTP 503). Only `queryUnique` lets a unique-key violation
 * through as a value, for the one kind of write where it means something to the caller (a
 * username taken); anywhere else it is a defect.
 */

export type Dialect = "sqlite" | "postgres"

export class UniqueViolation extends Data.TaggedError("UniqueViolation")<{ readonly detail: string }> {}

/** One repository operation; `operation` (`users.by_id`, …) labels the database_queries_total metric. */
export type MetaQuery<E> = <A>(operation: string, run: (sql: SQL) => Promise<A>) => Effect.Effect<A, MetaStoreUnavailable | E>

export class MetaDatabase extends Context.Tag("MetaDatabase")<
  MetaDatabase,
  {
    readonly dialect: Dialect
    readonly query: MetaQuery<never>
    /** As `query`, where a unique-key violation is the caller's to handle (a username taken). */
    readonly queryUnique: MetaQuery<UniqueViolation>
    readonly health: Effect.Effect<{ readonly status: "healthy" | "unhealthy"; readonly details: Record<string, unknown> }>
  }
>() {}
