import { z } from "zod"
import { bool, int, settingsSection } from "../settings.ts"

/** Shipped so that development needs no setup; production refuses to start with them. */
export const DEFAULT_SECRET_KEY = "logflow-development-secret-change-me"
export const DEFAULT_ADMIN_PASSWORD = "admin123"

export const accountSettings = settingsSection("Accounts and access", "Tokens, passwords, the first admin, and who may do what without signing in.", {
  SECRET_KEY: z.string().min(16).default(DEFAULT_SECRET_KEY).describe("Signs access tokens (HS256). Production requires your own, at least 32 characters."),
  ACCESS_TOKEN_EXPIRE_MINUTES: int(1, 10_080).default(30).describe("Lifetime of an access token."),
  BCRYPT_COST: int(4, 15).default(10).describe("bcrypt work factor for passwords."),
  ADMIN_USERNAME: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{3,64}$/)
    .default("admin")
    .describe("The username of the admin account created on first start."),
  ADMIN_EMAIL: z.email().default("admin@logflow.local").describe("The first admin's email address."),
  ADMIN_PASSWORD: z
    .string()
    .min(8)
    .optional()
    .describe("The first admin's password (at least 8 characters); required in production, `admin123` in development."),
  REQUIRE_AUTH_FOR_INGEST: bool.optional().describe("Whether ingest needs a token or API key; default: no in development, yes in production."),
  REQUIRE_AUTH_FOR_READ: bool.optional().describe("Whether searches and other reads need a token or API key; default: no in development, yes in production."),
  REGISTRATION_ENABLED: bool.optional().describe("Whether anyone may register; default: yes in development, no in production (admins still can).")
})
