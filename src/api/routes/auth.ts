import { Effect, Option } from "effect"
import { Elysia } from "elysia"
import { z } from "zod"
import { Accounts, InvalidCredentials } from "../../accounts/accounts.ts"
import { ApiKeys } from "../../accounts/api-keys.ts"
import { API_KEY_SCOPES, publicUser } from "../../accounts/user.ts"
import { Users } from "../../accounts/users.ts"
import type { Config } from "../../config.ts"
import { NotFound } from "../../domain/errors.ts"
import type { RateLimiter } from "../../ports/rate-limiter.ts"
import { authPlugin } from "../plugins/auth.ts"
import { errors } from "../plugins/errors.ts"
import { rateLimitPlugin } from "../plugins/rate-limit.ts"
import type { TelemetryInstruments } from "../../ports/telemetry.ts"
import type { RunEffect } from "../run-effect.ts"

/** Accounts, tokens and API keys: registration, login, profile, user administration, and API keys for shippers. */

const Username = z.string().regex(/^[A-Za-z0-9_.-]{3,64}$/, "3-64 letters, digits, '_', '.' or '-'")
const Password = z.string().min(8, "at least 8 characters").max(128, "at most 128 characters")
const Email = z.email("a valid email address").max(254)
const FullName = z.string().max(200).nullable()

const Registration = z.object({ username: Username, email: Email, password: Password, full_name: FullName.optional() })
const Login = z.object({
  username: z.string().min(1).max(254),
  password: z.string().min(1).max(1024),
  grant_type: z.string().optional().describe("OAuth2 password flow: 'password' (ignored otherwise)"),
  scope: z.string().optional()
})
const ProfileUpdate = z.object({
  email: Email.optional(),
  full_name: FullName.optional(),
  password: Password.optional(),
  current_password: z.string().max(1024).optional().describe("Required to change the password")
})
const NewApiKey = z.object({
  name: z.string().min(1).max(100),
  scopes: z
    .array(z.enum(API_KEY_SCOPES as ["ingest", "read"]))
    .min(1)
    .default(["ingest"]),
  expires_in_days: z.number().int().min(1).max(3650).optional()
})
const Page = z.object({ limit: z.coerce.number().int().min(1).max(100).default(50), offset: z.coerce.number().int().min(0).max(1_000_000).default(0) })
const IdParam = z.object({ id: z.string().max(64) })
const AdminUserChange = z.object({ is_active: z.boolean().optional(), is_admin: z.boolean().optional() })

type Services = Accounts | Users | ApiKeys | RateLimiter

/** Accounts and API keys under /api/v1/auth. */
export const authRoutes = (run: RunEffect<Services>, config: Config, telemetry: TelemetryInstruments) =>
  new Elysia({ name: "routes/auth" }).use(ownAccountRoutes(run, config, telemetry)).use(userAndKeyRoutes(run, config, telemetry))

/** Registration, login and one's own profile. */
const ownAccountRoutes = (run: RunEffect<Services>, config: Config, telemetry: TelemetryInstruments) =>
  new Elysia({ name: "routes/auth/account", prefix: "/api/v1/auth" })
    .use(errors)
    .use(authPlugin(run, config, telemetry))
    .use(rateLimitPlugin(run, config, telemetry))
    .post(
      "/register",
      async ({ body, set }) => {
        const user = await run(Effect.flatMap(Accounts, (accounts) => accounts.register(body)))
        telemetry.usersRegistered.inc()
        set.status = 201
        return user
      },
      {
        body: Registration,
        registration: true,
        rateLimit: "register",
        detail: { summary: "Register a new user (when registration is closed, an administrator's token is required)", tags: ["auth"] }
      }
    )
    .post(
      "/login",
      async ({ body, jwt }) => {
        const user = await run(
          Effect.flatMap(Accounts, (accounts) => accounts.login(body.username, body.password)).pipe(
            Effect.tapBoth({
              onFailure: (e) => Effect.sync(() => telemetry.authAttempts.inc({ result: e instanceof InvalidCredentials ? "invalid_credentials" : "error" })),
              onSuccess: () => Effect.sync(() => telemetry.authAttempts.inc({ result: "success" }))
            })
          )
        )
        const access_token = await jwt.sign({ sub: user.id, ver: user.token_version })
        return { access_token, token_type: "bearer", expires_in: config.ACCESS_TOKEN_EXPIRE_MINUTES * 60 }
      },
      {
        body: Login,
        rateLimit: "login",
        detail: { summary: "Log in (OAuth2 password form or JSON) and get an access token", tags: ["auth"] }
      }
    )
    .get("/me", ({ account }) => publicUser(account), { auth: "user", rateLimit: "default", detail: { summary: "The current user", tags: ["auth"] } })
    .put("/me", ({ account, body }) => run(Effect.flatMap(Accounts, (accounts) => accounts.updateProfile(account, body))), {
      auth: "user",
      body: ProfileUpdate,
      rateLimit: "profile_update",
      detail: { summary: "Update your profile; a new password or email needs current_password; a new password revokes older tokens", tags: ["auth"] }
    })

/** User administration (admins) and one's own API keys. */
const userAndKeyRoutes = (run: RunEffect<Services>, config: Config, telemetry: TelemetryInstruments) =>
  new Elysia({ name: "routes/auth/users-and-keys", prefix: "/api/v1/auth" })
    .use(errors)
    .use(authPlugin(run, config, telemetry))
    .use(rateLimitPlugin(run, config, telemetry))
    .get("/users", async ({ query }) => ({ ...(await run(Effect.flatMap(Users, (users) => users.list(query)))), limit: query.limit, offset: query.offset }), {
      auth: "admin",
      query: Page,
      rateLimit: "user_list",
      detail: { summary: "List users (admin)", tags: ["auth"] }
    })
    .patch(
      "/users/:id",
      ({ params, body }) =>
        run(
          Effect.gen(function* () {
            const updated = yield* Effect.flatMap(Users, (users) => users.update(params.id, body))
            if (Option.isNone(updated)) return yield* new NotFound({ what: `user ${params.id}` })
            return publicUser(updated.value)
          })
        ),
      { auth: "admin", params: IdParam, body: AdminUserChange, detail: { summary: "Activate, deactivate, promote or demote a user (admin)", tags: ["auth"] } }
    )
    .delete(
      "/users/:id",
      async ({ params, set }) => {
        const deleted = await run(Effect.flatMap(Users, (users) => users.delete(params.id)))
        if (!deleted) throw new NotFound({ what: `user ${params.id}` })
        set.status = 204
      },
      { auth: "admin", params: IdParam, detail: { summary: "Delete a user and their API keys (admin)", tags: ["auth"] } }
    )
    .post(
      "/api-keys",
      async ({ account, body, set }) => {
        const expiresAt = body.expires_in_days === undefined ? null : new Date(Date.now() + body.expires_in_days * 86_400_000).toISOString()
        const { key, secret } = await run(Effect.flatMap(ApiKeys, (keys) => keys.create(account.id, body.name, body.scopes, expiresAt)))
        set.status = 201
        return { ...key, key: secret }
      },
      { auth: "user", body: NewApiKey, detail: { summary: "Create an API key (the key is shown only in this response)", tags: ["auth"] } }
    )
    .get("/api-keys", ({ account }) => run(Effect.flatMap(ApiKeys, (keys) => keys.list(account.id))), {
      auth: "user",
      detail: { summary: "Your API keys (without the keys themselves)", tags: ["auth"] }
    })
    .delete(
      "/api-keys/:id",
      async ({ account, params, set }) => {
        const revoked = await run(Effect.flatMap(ApiKeys, (keys) => keys.revoke(account.id, params.id)))
        if (!revoked) throw new NotFound({ what: `API key ${params.id}` })
        set.status = 204
      },
      { auth: "user", params: IdParam, detail: { summary: "Revoke one of your API keys", tags: ["auth"] } }
    )
