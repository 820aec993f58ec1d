import { Effect, Layer } from "effect"
import { LeaderLease } from "../../ports/leader-lease.ts"
import { MetaDatabase } from "../../ports/meta-database.ts"

/**
 * The LeaderLease port in the metadata store. One upsert works the same on SQLite and
 * PostgreSQL, unlike advisory locks, which belong to one pooled connection rather than to the
 * process.
 */
export const LeaderLeaseLive = Layer.effect(
  LeaderLease,
  Effect.gen(function* () {
    const db = yield* MetaDatabase
    return LeaderLease.of({
      acquire: (name, holder, ttlMs, now) =>
        db.query("leader_leases.acquire", async (sql) => {
          await sql`INSERT INTO leader_leases (name, holder, expires_at) VALUES (${name}, ${holder}, ${now + ttlMs})
          ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
          WHERE leader_leases.holder = excluded.holder OR leader_leases.expires_at < ${now}`
          const rows = await sql<Array<{ holder: string }>>`SELECT holder FROM leader_leases WHERE name = ${name}`
          return rows[0]?.holder === holder
        }),
      release: (name, holder) =>
        db.query("leader_leases.release", (sql) => sql`DELETE FROM leader_leases WHERE name = ${name} AND holder = ${holder}`).pipe(Effect.asVoid),
      current: (name) =>
        db
          .query(
            "leader_leases.current",
            (sql) => sql<Array<{ holder: string; expires_at: number | bigint | string }>>`SELECT holder, expires_at FROM leader_leases WHERE name = ${name}`
          )
          // BIGINT comes back as a string or bigint from some drivers.
          .pipe(Effect.map((rows) => (rows[0] ? { holder: rows[0].holder, expiresAt: Number(rows[0].expires_at) } : undefined)))
    })
  })
)
