import { jwt } from "@elysiajs/jwt"
import { Data, Effect, Option } from "effect"
import { Elysia } from "elysia"
import { ApiKeys, looksLikeApiKey } from "../../accounts/api-keys.ts"
import type { ApiKeyScope, Principal, UserWithSecrets } from "../../accounts/user.ts"
import { publicUser } from "../../accounts/user.ts"
import { Users } from "../../accounts/users.ts"
import type { Config } from "../../config.ts"
import type { TelemetryInstruments } from "../../ports/telemetry.ts"
import type { RunEffect } from "../run-effect.ts"

/**
 * Authentication and roles, enforced here and nowhere else. Routes declare what they need:
 * - `auth: "user" | "admin"`: a valid access token (JWT, HS256) of an active account; gives `account`.
 * - `access: "ingest" | "read"`: a token or an API key with that scope when configuration
 *   requires credentials for it; gives `principal` (undefined for anonymous access).
 * - `registration: true`: open when REGISTRATION_ENABLED, else an administrator's token.
 * Credentials that are presented but invalid are refused even where none are required.
 */

export class Unauthorized extends Data.TaggedError("Unauthorized")<{ readonly message: string }> {
  readonly status = 401
  readonly code = "unauthorized"
  readonly headers = { "www-authenticate": "Bearer" }
}

export class Forbidden extends Data.TaggedError("Forbidden")<{ readonly message: string }> {
  readonly status = 403
  readonly code = "forbidden"
}

interface TokenClaims {
  readonly sub: string
  readonly ver: number
}

type Verify = (token: string) => Promise<false | Record<string, unknown>>

/**
 * Log shippers' HTTP outputs (Elasticsearch, Loki) and Grafana's data sources often only know
 * Basic auth or Elasticsearch's `ApiKey <key>` / `ApiKey base64(id:key)`: an API key is accepted
 * there as the Basic password (any user name), as the Basic user name with an empty password,
 * or as the key part. Anything but an API key in those schemes is refused, so account
 * passwords never travel this way.
 */
const apiKeyFromShipperScheme = (authorization: string): string | undefined => {
  const match = /^(Basic|ApiKey)\s+(\S+)$/i.exec(authorization)
  if (!match) return undefined
  const credential = match[2]!
  if (match[1]!.toLowerCase() === "apikey" && looksLikeApiKey(credential)) return credential
  const decoded = Buffer.from(credential, "base64").toString("utf8")
  const colon = decoded.indexOf(":")
  const secret = decoded.slice(colon + 1)
  if (looksLikeApiKey(secret)) return secret
  const user = colon === -1 ? decoded : decoded.slice(0, colon)
  return secret === "" && looksLikeApiKey(user) ? user : undefined
}

const bearer = (headers: Record<string, string | undefined>) => {
  const authorization = headers.authorization
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization)
    if (match) return match[1]!
    const apiKey = apiKeyFromShipperScheme(authorization)
    if (apiKey === undefined)
      throw new Unauthorized({
        message: "Authorization header must be 'Bearer <token>' (or, for an API key, Basic with the key as password, or 'ApiKey <key>')"
      })
    return apiKey
  }
  return headers["x-api-key"]
}

/** How a token or an API key becomes a principal; shared by the plugin and `makeAccessCheck`. */
const makeCredentials = (config: Config, telemetry: TelemetryInstruments) => {
  const userFromToken = (token: string, verify: Verify) =>
    Effect.gen(function* () {
      const claims = yield* Effect.promise(() => verify(token))
      // LogFlow signs every token with an expiry; one without (signed with a leaked key, or by
      // hand) would never expire, so it is not a LogFlow token.
      if (!claims || typeof claims.sub !== "string" || typeof claims.ver !== "number" || typeof claims.exp !== "number") {
        telemetry.authAttempts.inc({ result: "invalid_token" })
        return yield* Effect.fail(new Unauthorized({ message: "invalid or expired token" }))
      }
      const { sub, ver } = claims as unknown as TokenClaims
      const user = Option.getOrUndefined(yield* Effect.flatMap(Users, (users) => users.byId(sub)))
      if (!user?.is_active || user.token_version !== ver) {
        telemetry.authAttempts.inc({ result: "revoked_token" })
        return yield* Effect.fail(new Unauthorized({ message: "invalid or expired token" }))
      }
      return user
    })

  const principalOf = (token: string, verify: Verify) =>
    looksLikeApiKey(token)
      ? Effect.gen(function* () {
          const key = Option.getOrUndefined(yield* Effect.flatMap(ApiKeys, (keys) => keys.authenticate(token)))
          if (!key) {
            telemetry.authAttempts.inc({ result: "invalid_api_key" })
            return yield* Effect.fail(new Unauthorized({ message: "invalid, revoked or expired API key" }))
          }
          const owner = Option.getOrUndefined(yield* Effect.flatMap(Users, (users) => users.byId(key.user_id)))
          if (!owner?.is_active) return yield* Effect.fail(new Unauthorized({ message: "the API key's owner is no longer active" }))
          return { kind: "api_key", user: publicUser(owner), keyId: key.id, scopes: key.scopes } satisfies Principal
        })
      : userFromToken(token, verify).pipe(Effect.map((user): Principal => ({ kind: "user", user: publicUser(user) })))

  const required = (scope: ApiKeyScope) => (scope === "ingest" ? config.requireAuthForIngest : config.requireAuthForRead)

  /** The `access` rule: credentials when configuration requires them; presented ones must be valid and carry the scope. */
  const access = async (run: RunEffect<Users | ApiKeys>, headers: Record<string, string | undefined>, scope: ApiKeyScope, verify: Verify) => {
    const token = bearer(headers)
    if (token === undefined) {
      if (required(scope)) throw new Unauthorized({ message: `authentication required to ${scope}: send a token or an API key` })
      return undefined
    }
    const principal = await run(principalOf(token, verify))
    if (principal.kind === "api_key" && !principal.scopes.includes(scope)) throw new Forbidden({ message: `this API key lacks the '${scope}' scope` })
    return principal
  }
  return { userFromToken, access }
}

const jwtPlugin = (config: Config) => jwt({ name: "jwt", secret: config.SECRET_KEY, alg: "HS256", exp: `${config.ACCESS_TOKEN_EXPIRE_MINUTES}m` })

/**
 * The `access` check for listeners outside Elysia (OTLP/gRPC reads its metadata as headers):
 * the same tokens, API keys and scopes as every HTTP route.
 */
export const makeAccessCheck = (run: RunEffect<Users | ApiKeys>, config: Config, telemetry: TelemetryInstruments) => {
  const { access } = makeCredentials(config, telemetry)
  const { verify } = jwtPlugin(config).decorator.jwt
  return (headers: Record<string, string | undefined>, scope: ApiKeyScope): Promise<Principal | undefined> =>
    access(run, headers, scope, (t) => verify(t, { algorithms: ["HS256"] }))
}

export const authPlugin = (run: RunEffect<Users | ApiKeys>, config: Config, telemetry: TelemetryInstruments) => {
  const { userFromToken, access } = makeCredentials(config, telemetry)
  return new Elysia({ name: "auth" }).use(jwtPlugin(config)).macro({
    auth: (role: "user" | "admin") => ({
      async resolve({ headers, jwt }): Promise<{ account: UserWithSecrets }> {
        const token = bearer(headers)
        if (token === undefined) throw new Unauthorized({ message: "authentication required: send 'Authorization: Bearer <token>'" })
        if (looksLikeApiKey(token)) throw new Forbidden({ message: "API keys may only ingest and read logs; log in for this" })
        const account = await run(userFromToken(token, (t) => jwt.verify(t, { algorithms: ["HS256"] })))
        if (role === "admin" && !account.is_admin) throw new Forbidden({ message: "administrator role required" })
        return { account }
      }
    }),
    registration: {
      async resolve({ headers, jwt }) {
        if (config.registrationEnabled) return
        const closed = "self-registration is closed (REGISTRATION_ENABLED=false); an administrator can register users"
        const token = bearer(headers)
        if (token === undefined || looksLikeApiKey(token)) throw new Forbidden({ message: closed })
        const account = await run(userFromToken(token, (t) => jwt.verify(t, { algorithms: ["HS256"] })))
        if (!account.is_admin) throw new Forbidden({ message: closed })
      }
    },
    access: (scope: ApiKeyScope) => ({
      async resolve({ headers, jwt }): Promise<{ principal: Principal | undefined }> {
        return { principal: await access(run, headers, scope, (t) => jwt.verify(t, { algorithms: ["HS256"] })) }
      }
    })
  })
}
