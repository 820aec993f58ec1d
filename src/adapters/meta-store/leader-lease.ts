import { Context, Effect, Layer } from "effect"
import { MetaDatabase, type MetaStoreUnavailable } from "./sql-database.ts"

/**
 * A lease in the metadata store names the one process that runs a singleton job. A holder
 * renews it well before it expires; when the holder dies, another takes it over once it has
 * expired. One upsert works the same on SQLite and PostgreSQL, unlike advisory locks, which
 * belong to one pooled connection rather than to the process.
 */
export class LeaderLease extends Context.Tag("LeaderLease")<LeaderLease, {
  /** Takes or renews the lease until `now + ttlMs`; true when `holder` holds it afterwards. */
  readonly acquire: (name: string, holder: string, ttlMs: number, now: number) => Effect.Effect<boolean, MetaStoreUnavailable>
  /** Gives the lease up at once (shutdown), so a standby need not wait for it to expire. */
  readonly release: (name: string, holder: string) => Effect.Effect<void, MetaStoreUnavailable>
}>() {}

export const LeaderLeaseLive = Layer.effect(LeaderLease, Effect.gen(function*() {
  const db = yield* MetaDatabase
  const run = <A>(operation: string, f: Parameters<typeof db.query<A>>[1]) => db.query(operation, f).pipe(Effect.catchTag("UniqueViolation", Effect.die))
  return LeaderLease.of({
    acquire: (name, holder, ttlMs, now) =>
      run("leader_leases.acquire", async (sql) => {
        await sql`INSERT INTO leader_leases (name, holder, expires_at) VALUES (${name}, ${holder}, ${now + ttlMs})
          ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
          WHERE leader_leases.holder = excluded.holder OR leader_leases.expires_at < ${now}`
        const rows = await sql<Array<{ holder: string }>>`SELECT holder FROM leader_leases WHERE name = ${name}`
        return rows[0]?.holder === holder
      }),
    release: (name, holder) =>
      run("leader_leases.release", (sql) => sql`DELETE FROM leader_leases WHERE name = ${name} AND holder = ${holder}`).pipe(Effect.asVoid)
  })
}))
