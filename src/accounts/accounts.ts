import { Context, Data, Effect, Layer, Option } from "effect"
import type { MetaStoreUnavailable } from "../domain/errors.ts"
import type { Config } from "../config.ts"
import { DEFAULT_ADMIN_PASSWORD } from "./settings.ts"
import { makePasswords } from "./passwords.ts"
import { publicUser, type User, type UserWithSecrets } from "./user.ts"
import { Users, type UserChanges, UserTaken } from "./users.ts"

/** Registration, login, profile changes and the first admin: account rules in one place. */

export class InvalidCredentials extends Data.TaggedError("InvalidCredentials")<{}> {
  readonly status = 401
  readonly code = "invalid_credentials"
  readonly headers = { "www-authenticate": "Bearer" }
  override get message() {
    return "incorrect username or password"
  }
}

export class WrongCurrentPassword extends Data.TaggedError("WrongCurrentPassword")<{}> {
  readonly status = 400
  readonly code = "invalid_input"
  override get message() {
    return "current_password: does not match; it is required to change the password or the email"
  }
}

export interface Registration {
  readonly username: string
  readonly email: string
  readonly password: string
  readonly full_name?: string | null | undefined
}

export interface ProfileUpdate {
  readonly email?: string | undefined
  readonly full_name?: string | null | undefined
  readonly password?: string | undefined
  readonly current_password?: string | undefined
}

type Failure = MetaStoreUnavailable

export class Accounts extends Context.Tag("Accounts")<
  Accounts,
  {
    readonly register: (registration: Registration) => Effect.Effect<User, Failure | UserTaken>
    /** The active user with these credentials; takes the same time whether or not the user exists. */
    readonly login: (username: string, password: string) => Effect.Effect<UserWithSecrets, Failure | InvalidCredentials>
    readonly updateProfile: (user: UserWithSecrets, update: ProfileUpdate) => Effect.Effect<User, Failure | UserTaken | WrongCurrentPassword>
    /** Creates the admin account on first start. */
    readonly ensureAdmin: Effect.Effect<void, Failure | UserTaken>
  }
>() {}

export const AccountsLive = (config: Config) =>
  Layer.effect(
    Accounts,
    Effect.gen(function* () {
      const users = yield* Users
      const passwords = makePasswords(config.BCRYPT_COST)
      const hash = (password: string) => Effect.promise(() => passwords.hash(password))

      return Accounts.of({
        register: (r) =>
          hash(r.password).pipe(
            Effect.flatMap((password_hash) =>
              users.create({ username: r.username, email: r.email, full_name: r.full_name ?? null, password_hash, is_admin: false })
            ),
            Effect.map(publicUser)
          ),
        login: (username, password) =>
          Effect.gen(function* () {
            const found = Option.getOrUndefined(yield* users.byUsername(username))
            const matches = yield* Effect.promise(() => passwords.verify(password, found?.password_hash))
            if (!found || !matches || !found.is_active) return yield* Effect.fail(new InvalidCredentials())
            yield* users.recordLogin(found.id)
            return found
          }),
        updateProfile: (user, update) =>
          Effect.gen(function* () {
            const changes: { -readonly [K in keyof UserChanges]: UserChanges[K] } = {}
            // A stolen token must not be enough to take the account over: what would let someone
            // lock the owner out (password, email for recovery) needs the current password.
            if (update.password !== undefined || (update.email !== undefined && update.email.toLowerCase() !== user.email)) {
              const ok = update.current_password !== undefined && (yield* Effect.promise(() => passwords.verify(update.current_password!, user.password_hash)))
              if (!ok) return yield* Effect.fail(new WrongCurrentPassword())
            }
            if (update.email !== undefined) changes.email = update.email
            if (update.full_name !== undefined) changes.full_name = update.full_name
            if (update.password !== undefined) changes.password_hash = yield* hash(update.password)
            const updated = yield* users.update(user.id, changes)
            return publicUser(Option.getOrElse(updated, () => user))
          }),
        ensureAdmin: Effect.gen(function* () {
          const existing = yield* users.byUsername(config.ADMIN_USERNAME)
          if (Option.isSome(existing)) {
            // A data directory first started in development keeps the development password;
            // production (which requires its own ADMIN_PASSWORD) must not leave it usable.
            if (config.LOGFLOW_ENV === "production" && (yield* Effect.promise(() => passwords.verify(DEFAULT_ADMIN_PASSWORD, existing.value.password_hash)))) {
              yield* users.update(existing.value.id, { password_hash: yield* hash(config.adminPassword) })
              yield* Effect.logWarning(`admin '${config.ADMIN_USERNAME}' still had the development password; ADMIN_PASSWORD is its password now`)
            }
            return
          }
          if (config.adminPassword === DEFAULT_ADMIN_PASSWORD) {
            yield* Effect.logWarning(`created admin '${config.ADMIN_USERNAME}' with the default password; set ADMIN_PASSWORD (required in production)`)
          }
          yield* users
            .create({
              username: config.ADMIN_USERNAME,
              email: config.ADMIN_EMAIL,
              full_name: "Administrator",
              password_hash: yield* hash(config.adminPassword),
              is_admin: true
            })
            .pipe(
              // Replicas starting together on one database (api and workers): another one created it first.
              Effect.catchIf(
                (e): e is UserTaken => e instanceof UserTaken,
                (e) => Effect.flatMap(users.byUsername(config.ADMIN_USERNAME), (found) => (Option.isSome(found) ? Effect.void : Effect.fail(e)))
              )
            )
        })
      })
    })
  )
