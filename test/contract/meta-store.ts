import { describe, expect, test } from "bun:test"
import { Effect, Layer, Option } from "effect"
import { ApiKeys, ApiKeysLive } from "../../src/accounts/api-keys.ts"
import { Users, UsersLive, UserTaken } from "../../src/accounts/users.ts"
import { MetaDatabase } from "../../src/ports/meta-database.ts"
import { MetaDatabaseLive, migrate, openMetaSql, dialectOf } from "../../src/adapters/meta-store/sql-database.ts"
import { MIGRATIONS } from "../../src/adapters/meta-store/migrations.ts"

/**
 * What the metadata repositories must do on every engine. `freshUrl` gives the URL of an
 * empty database for each test.
 */
export const metaStoreContract = (name: string, freshUrl: () => Promise<string>) =>
  describe(`metadata store contract: ${name}`, () => {
    const withRepositories = async <A>(body: Effect.Effect<A, unknown, Users | ApiKeys | MetaDatabase>) => {
      const layer = Layer.mergeAll(UsersLive, ApiKeysLive).pipe(Layer.provideMerge(MetaDatabaseLive(await freshUrl())))
      return Effect.runPromise(body.pipe(Effect.provide(layer), Effect.scoped))
    }
    const newUser = (username: string, email = `${username}@example.com`) => ({ username, email, full_name: null, password_hash: "$2b$hash", is_admin: false })

    test("migrations run once: a second run applies nothing and the tables exist", async () => {
      const url = await freshUrl()
      const sql = openMetaSql(url)
      try {
        expect(await migrate(sql, dialectOf(url))).toEqual(MIGRATIONS.map((m) => m.version))
        expect(await migrate(sql, dialectOf(url))).toEqual([])
        for (const table of ["users", "alert_rules", "triggered_alerts", "system_config", "api_keys"]) {
          expect(await sql.unsafe(`SELECT count(*) AS n FROM ${table}`)).toEqual([{ n: expect.anything() }])
        }
      } finally {
        await sql.close()
      }
    })

    test("creates, finds, updates and deletes users; usernames and emails are unique", () =>
      withRepositories(
        Effect.gen(function* () {
          const users = yield* Users
          const alice = yield* users.create(newUser("alice", "Alice@Example.com"))
          expect(alice).toMatchObject({ username: "alice", email: "alice@example.com", is_admin: false, is_active: true, token_version: 0 })
          expect(Option.getOrThrow(yield* users.byUsername("alice")).id).toBe(alice.id)
          expect(yield* users.create(newUser("alice", "other@example.com")).pipe(Effect.flip)).toEqual(new UserTaken({ field: "username" }))
          expect(yield* users.create(newUser("alice2", "alice@example.com")).pipe(Effect.flip)).toEqual(new UserTaken({ field: "email" }))

          const renamed = Option.getOrThrow(yield* users.update(alice.id, { full_name: "Alice Smith" }))
          expect([renamed.full_name, renamed.token_version]).toEqual(["Alice Smith", 0])
          const rehashed = Option.getOrThrow(yield* users.update(alice.id, { password_hash: "$2b$new" }))
          expect(rehashed.token_version).toBe(1) // older tokens stop working
          expect(yield* users.delete(alice.id)).toBe(true)
          expect(Option.isNone(yield* users.byId(alice.id))).toBe(true)
        })
      ))

    test("SQL metacharacters in every text field are stored verbatim and harmless", () =>
      withRepositories(
        Effect.gen(function* () {
          const users = yield* Users
          const nasty = "x'); DROP TABLE users; --\\\"%_"
          const user = yield* users.create({ username: "bobby", email: "bobby@example.com", full_name: nasty, password_hash: nasty, is_admin: false })
          expect(Option.getOrThrow(yield* users.byId(user.id)).full_name).toBe(nasty)
          expect(Option.isNone(yield* users.byUsername("' OR '1'='1"))).toBe(true)
          expect((yield* users.list({ limit: 10, offset: 0 })).total).toBe(1)
        })
      ))

    test("lists users in pages with a total", () =>
      withRepositories(
        Effect.gen(function* () {
          const users = yield* Users
          for (const n of ["u1", "u2", "u3"]) yield* users.create(newUser(n))
          const first = yield* users.list({ limit: 2, offset: 0 })
          const second = yield* users.list({ limit: 2, offset: 2 })
          expect(first.total).toBe(3)
          expect([...first.users, ...second.users].map((u) => u.username).sort()).toEqual(["u1", "u2", "u3"])
          expect(JSON.stringify(first)).not.toContain("password_hash")
        })
      ))

    test("API keys: only a hash is stored; revoked and expired keys no longer authenticate", () =>
      withRepositories(
        Effect.gen(function* () {
          const owner = yield* (yield* Users).create(newUser("shipper"))
          const keys = yield* ApiKeys
          const { key, secret } = yield* keys.create(owner.id, "fluent-bit", ["ingest"], null)
          expect(secret.startsWith(key.prefix)).toBe(true)
          const stored = yield* (yield* MetaDatabase).query("test", (sql) => sql`SELECT * FROM api_keys`)
          expect(JSON.stringify(stored)).not.toContain(secret)
          expect(Option.getOrThrow(yield* keys.authenticate(secret)).scopes).toEqual(["ingest"])
          expect(Option.isNone(yield* keys.authenticate(`${secret}x`))).toBe(true)

          const expired = yield* keys.create(owner.id, "old", ["read"], new Date(Date.now() - 1000).toISOString())
          expect(Option.isNone(yield* keys.authenticate(expired.secret))).toBe(true)
          expect(yield* keys.revoke(owner.id, key.id)).toBe(true)
          expect(Option.isNone(yield* keys.authenticate(secret))).toBe(true)
          expect((yield* keys.list(owner.id)).map((k) => k.name).sort()).toEqual(["fluent-bit", "old"])
        })
      ))

    test("a user's API keys go when the user is deleted", () =>
      withRepositories(
        Effect.gen(function* () {
          const users = yield* Users
          const owner = yield* users.create(newUser("leaver"))
          const keys = yield* ApiKeys
          const { secret } = yield* keys.create(owner.id, "k", ["ingest"], null)
          yield* users.delete(owner.id)
          expect(Option.isNone(yield* keys.authenticate(secret))).toBe(true)
        })
      ))
  })
