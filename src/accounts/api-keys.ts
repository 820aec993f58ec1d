import { Context, Effect, Layer, Option } from "effect"
import { MetaDatabase } from "../ports/meta-database.ts"
import type { MetaStoreUnavailable } from "../domain/errors.ts"
import { ulid } from "../domain/ulid.ts"
import type { ApiKeyScope } from "./user.ts"

/**
 * API keys for services that ship logs. The key is shown once; only its SHA-256 is stored
 * (a 256-bit random key needs no slow hash: there is nothing to brute-force), so a lookup is
 * one indexed equality on the hash.
 */

export interface ApiKey {
  readonly id: string
  readonly user_id: string
  readonly name: string
  /** The first characters of the key, to recognise it in a list. */
  readonly prefix: string
  readonly scopes: ReadonlyArray<ApiKeyScope>
  readonly created_at: string
  readonly expires_at: string | null
  readonly last_used_at: string | null
  readonly revoked_at: string | null
}

const KEY_PREFIX = "lf_"
export const looksLikeApiKey = (token: string) => token.startsWith(KEY_PREFIX)

const sha256 = (text: string) => new Bun.CryptoHasher("sha256").update(text).digest("hex")
const newSecret = () => KEY_PREFIX + Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url")

type Row = Omit<ApiKey, "scopes"> & { scopes: string; key_hash: string }
const toKey = ({ key_hash: _hash, ...row }: Row): ApiKey => ({ ...row, scopes: JSON.parse(row.scopes) as ApiKeyScope[] })

export class ApiKeys extends Context.Tag("ApiKeys")<
  ApiKeys,
  {
    readonly create: (
      userId: string,
      name: string,
      scopes: ReadonlyArray<ApiKeyScope>,
      expiresAt: string | null
    ) => Effect.Effect<{ key: ApiKey; secret: string }, MetaStoreUnavailable>
    readonly list: (userId: string) => Effect.Effect<ReadonlyArray<ApiKey>, MetaStoreUnavailable>
    readonly revoke: (userId: string, id: string) => Effect.Effect<boolean, MetaStoreUnavailable>
    /** The live (unrevoked, unexpired) key with this secret, marking it used. */
    readonly authenticate: (secret: string) => Effect.Effect<Option.Option<ApiKey>, MetaStoreUnavailable>
  }
>() {}

export const ApiKeysLive = Layer.effect(
  ApiKeys,
  Effect.gen(function* () {
    const db = yield* MetaDatabase

    return ApiKeys.of({
      create: (userId, name, scopes, expiresAt) =>
        Effect.gen(function* () {
          const secret = newSecret()
          const row: Row = {
            id: ulid(),
            user_id: userId,
            name,
            prefix: secret.slice(0, 10),
            key_hash: sha256(secret),
            scopes: JSON.stringify(scopes),
            created_at: new Date().toISOString(),
            expires_at: expiresAt,
            last_used_at: null,
            revoked_at: null
          }
          yield* db.query("api_keys.create", (sql) => sql`INSERT INTO api_keys ${sql(row)}`)
          return { key: toKey(row), secret }
        }),
      list: (userId) =>
        db
          .query("api_keys.list", (sql) => sql<Row[]>`SELECT * FROM api_keys WHERE user_id = ${userId} ORDER BY created_at DESC, id DESC`)
          .pipe(Effect.map((rows) => rows.map(toKey))),
      revoke: (userId, id) =>
        db
          .query(
            "api_keys.revoke",
            (sql) => sql`UPDATE api_keys SET revoked_at = ${new Date().toISOString()} WHERE id = ${id} AND user_id = ${userId} AND revoked_at IS NULL`
          )
          .pipe(Effect.map((r) => r.count > 0)),
      authenticate: (secret) =>
        Effect.gen(function* () {
          const now = new Date().toISOString()
          const rows = yield* db.query(
            "api_keys.authenticate",
            (sql) => sql<Row[]>`SELECT * FROM api_keys WHERE key_hash = ${sha256(secret)} AND revoked_at IS NULL`
          )
          const row = rows[0]
          if (!row || (row.expires_at !== null && row.expires_at <= now)) return Option.none()
          yield* db.query("api_keys.touch", (sql) => sql`UPDATE api_keys SET last_used_at = ${now} WHERE id = ${row.id}`)
          return Option.some(toKey(row))
        })
    })
  })
)
