import { Context, Data, Effect, Layer, Option } from "effect"
import { MetaDatabase, type UniqueViolation } from "../ports/meta-database.ts"
import type { MetaStoreUnavailable } from "../domain/errors.ts"
import { ulid } from "../domain/ulid.ts"
import { publicUser, type User, type UserWithSecrets } from "./user.ts"

/** The users table. Every value is a bound parameter; booleans are normalised across engines. */

export class UserTaken extends Data.TaggedError("UserTaken")<{ readonly field: "username" | "email" }> {
  readonly status = 409
  readonly code = "conflict"
  override get message() {
    return `${this.field}: already registered`
  }
}

export interface NewUser {
  readonly username: string
  readonly email: string
  readonly full_name: string | null
  readonly password_hash: string
  readonly is_admin: boolean
}

export interface UserChanges {
  readonly email?: string
  readonly full_name?: string | null
  readonly password_hash?: string
  readonly is_active?: boolean
  readonly is_admin?: boolean
}

type Row = Omit<UserWithSecrets, "is_admin" | "is_active" | "token_version"> & { is_admin: unknown; is_active: unknown; token_version: unknown }

const toUser = (row: Row): UserWithSecrets => ({
  ...row,
  is_admin: row.is_admin === true || row.is_admin === 1,
  is_active: row.is_active === true || row.is_active === 1,
  token_version: Number(row.token_version)
})

type Failure = MetaStoreUnavailable

export class Users extends Context.Tag("Users")<
  Users,
  {
    readonly create: (user: NewUser) => Effect.Effect<UserWithSecrets, Failure | UserTaken>
    readonly byId: (id: string) => Effect.Effect<Option.Option<UserWithSecrets>, Failure>
    readonly byUsername: (username: string) => Effect.Effect<Option.Option<UserWithSecrets>, Failure>
    readonly update: (id: string, changes: UserChanges) => Effect.Effect<Option.Option<UserWithSecrets>, Failure | UserTaken>
    readonly recordLogin: (id: string) => Effect.Effect<void, Failure>
    readonly delete: (id: string) => Effect.Effect<boolean, Failure>
    readonly list: (page: { readonly limit: number; readonly offset: number }) => Effect.Effect<{ users: User[]; total: number }, Failure>
  }
>() {}

/** Maps a unique-constraint failure to the field it concerns (the driver's message names the column or index). */
const taken = (e: UniqueViolation) => new UserTaken({ field: /email/i.test(e.detail) ? "email" : "username" })

export const UsersLive = Layer.effect(
  Users,
  Effect.gen(function* () {
    const db = yield* MetaDatabase
    // Reads and these updates touch no unique column: a violation there would be a bug.
    const one = (rows: Row[]) => Option.fromNullable(rows[0]).pipe(Option.map(toUser))
    const byId = (id: string) => db.query("users.by_id", (sql) => sql<Row[]>`SELECT * FROM users WHERE id = ${id}`).pipe(Effect.map(one))

    return Users.of({
      create: (user) =>
        Effect.gen(function* () {
          const now = new Date().toISOString()
          const row = {
            id: ulid(),
            ...user,
            email: user.email.toLowerCase(),
            is_active: true,
            token_version: 0,
            created_at: now,
            updated_at: now,
            last_login_at: null
          }
          yield* db
            .queryUnique("users.create", (sql) => sql`INSERT INTO users ${sql(row)}`)
            .pipe(Effect.catchTag("UniqueViolation", (e) => Effect.fail(taken(e))))
          return toUser(row)
        }),
      byId,
      byUsername: (username) => db.query("users.by_username", (sql) => sql<Row[]>`SELECT * FROM users WHERE username = ${username}`).pipe(Effect.map(one)),
      update: (id, changes) =>
        Effect.gen(function* () {
          const set: Record<string, unknown> = { ...changes, updated_at: new Date().toISOString() }
          if (changes.email !== undefined) set.email = changes.email.toLowerCase()
          const revokesTokens = changes.password_hash !== undefined || changes.is_active === false
          yield* db
            .queryUnique("users.update", (sql) =>
              revokesTokens
                ? sql`UPDATE users SET ${sql(set)}, token_version = token_version + 1 WHERE id = ${id}`
                : sql`UPDATE users SET ${sql(set)} WHERE id = ${id}`
            )
            .pipe(Effect.catchTag("UniqueViolation", (e) => Effect.fail(taken(e))))
          return yield* byId(id)
        }),
      recordLogin: (id) =>
        db.query("users.record_login", (sql) => sql`UPDATE users SET last_login_at = ${new Date().toISOString()} WHERE id = ${id}`).pipe(Effect.asVoid),
      delete: (id) => db.query("users.delete", (sql) => sql`DELETE FROM users WHERE id = ${id}`).pipe(Effect.map((r) => r.count > 0)),
      list: ({ limit, offset }) =>
        db.query("users.list", async (sql) => {
          const rows = await sql<Row[]>`SELECT * FROM users ORDER BY created_at, id LIMIT ${limit} OFFSET ${offset}`
          const counted = await sql<Array<{ n: number | string }>>`SELECT count(*) AS n FROM users`
          return { users: rows.map((r) => publicUser(toUser(r))), total: Number(counted[0]?.n ?? 0) }
        })
    })
  })
)
