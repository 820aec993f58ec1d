/** An account as the API shows it: never with its password hash. */
export interface User {
  readonly id: string
  readonly username: string
  readonly email: string
  readonly full_name: string | null
  readonly is_admin: boolean
  readonly is_active: boolean
  readonly created_at: string
  readonly updated_at: string
  readonly last_login_at: string | null
}

/** Internal: the account with what authentication needs. */
export interface UserWithSecrets extends User {
  readonly password_hash: string
  /** Bumped on password change or deactivation, which invalidates every token issued before. */
  readonly token_version: number
}

export type ApiKeyScope = "ingest" | "read"
export const API_KEY_SCOPES: ReadonlyArray<ApiKeyScope> = ["ingest", "read"]

/** Who is making a request, once authenticated. */
export type Principal =
  | { readonly kind: "user"; readonly user: User }
  | { readonly kind: "api_key"; readonly user: User; readonly keyId: string; readonly scopes: ReadonlyArray<ApiKeyScope> }

export const publicUser = (u: UserWithSecrets): User => ({
  id: u.id,
  username: u.username,
  email: u.email,
  full_name: u.full_name,
  is_admin: u.is_admin,
  is_active: u.is_active,
  created_at: u.created_at,
  updated_at: u.updated_at,
  last_login_at: u.last_login_at
})
