import { Data } from "effect"
import { resolve } from "node:path"
import { z } from "zod"
import { accountSettings, DEFAULT_ADMIN_PASSWORD, DEFAULT_SECRET_KEY } from "./accounts/settings.ts"
import { serverSettings } from "./api/settings.ts"
import { ingestSettings, RENAMED_INGEST_VARIABLES } from "./ingest/settings.ts"
import { esBulkSettings } from "./ingest/es-bulk/settings.ts"
import { syslogSettings } from "./ingest/syslog/settings.ts"
import { busSettings } from "./adapters/log-bus/settings.ts"
import { kafkaSettings } from "./adapters/log-bus/kafka/settings.ts"
import { indexingSettings } from "./adapters/log-store/settings.ts"
import { sqliteSettings } from "./adapters/log-store/sqlite/settings.ts"
import { documentSettings } from "./adapters/log-store/document/settings.ts"
import { retentionSettings } from "./retention/settings.ts"
import { metaStoreSettings } from "./adapters/meta-store/settings.ts"
import { redisSettings } from "./adapters/redis/settings.ts"
import { rateLimitSettings } from "./api/plugins/settings.ts"
import { tailSettings } from "./api/routes/settings.ts"
import { telemetrySettings } from "./telemetry/settings.ts"
import { alertingSettings } from "./alerting/settings.ts"

/**
 * All configuration, from environment variables, validated once at start-up. Each feature
 * declares its variables, their defaults and descriptions in its own `settings.ts`; this file
 * composes them and derives what depends on several.
 */

/** The sections in the order docs/configuration.md lists them. */
export const CONFIG_SECTIONS = [
  serverSettings,
  ingestSettings,
  esBulkSettings,
  syslogSettings,
  busSettings,
  kafkaSettings,
  indexingSettings,
  sqliteSettings,
  documentSettings,
  retentionSettings,
  metaStoreSettings,
  accountSettings,
  redisSettings,
  rateLimitSettings,
  tailSettings,
  telemetrySettings,
  alertingSettings
]

const schema = z.object({
  ...serverSettings.shape,
  ...ingestSettings.shape,
  ...esBulkSettings.shape,
  ...syslogSettings.shape,
  ...busSettings.shape,
  ...kafkaSettings.shape,
  ...indexingSettings.shape,
  ...sqliteSettings.shape,
  ...documentSettings.shape,
  ...retentionSettings.shape,
  ...metaStoreSettings.shape,
  ...accountSettings.shape,
  ...redisSettings.shape,
  ...rateLimitSettings.shape,
  ...tailSettings.shape,
  ...telemetrySettings.shape,
  ...alertingSettings.shape
})

/** Every environment variable LogFlow reads (deployment files are checked against it). */
export const CONFIG_VARIABLES: ReadonlyArray<string> = Object.keys(schema.shape)

export type Config = z.infer<typeof schema> & {
  readonly storePath: string
  /** Where the metadata store lives: a postgres:// URL or a sqlite:// URL in DATA_DIR. */
  readonly metaDatabaseUrl: string
  readonly requireAuthForIngest: boolean
  readonly requireAuthForRead: boolean
  readonly registrationEnabled: boolean
  readonly adminPassword: string
  /** Redis URL when Redis is configured, else undefined (in-process cache and limits). */
  readonly redisUrl: string | undefined
  /** PUBLIC_URL without a trailing slash, or http://localhost:<API_PORT>. */
  readonly publicUrl: string
}

/**
 * Fewer distinct characters than this in 32 or more is a pattern, not a secret (`aaaa…`,
 * `abab…`); a random hex string of 32 characters has about 14.
 */
const MIN_SECRET_SYMBOLS = 10

/** Why production refuses a SECRET_KEY, if it does. */
const secretKeyProblems = (key: string): string[] => {
  if (key === DEFAULT_SECRET_KEY || key.length < 32) return ["  SECRET_KEY: set a random secret of at least 32 characters (openssl rand -hex 32)"]
  const symbols = new Set(key).size
  if (symbols < MIN_SECRET_SYMBOLS)
    return [`  SECRET_KEY: too predictable (${symbols} distinct characters, at least ${MIN_SECRET_SYMBOLS}); use a random one (openssl rand -hex 32)`]
  return []
}

/** The environment does not make a valid configuration; `message` names each variable and what it expected. */
export class ConfigError extends Data.TaggedError("ConfigError")<{ readonly message: string }> {}

/** Parses the environment; the error names each bad variable and what it expected. */
export const loadConfig = (env: Record<string, string | undefined> = process.env): Config => {
  // Empty variables count as unset, as in most shells' `VAR= cmd`.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""))
  for (const [old, renamed] of Object.entries(RENAMED_INGEST_VARIABLES)) if (present[old] !== undefined) present[renamed] ??= present[old]
  const result = schema.safeParse(present)
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`)
    throw new ConfigError({ message: `invalid configuration:\n${lines.join("\n")}` })
  }
  const c = result.data
  if ((c.TLS_CERT_FILE === undefined) !== (c.TLS_KEY_FILE === undefined)) {
    throw new ConfigError({ message: "invalid configuration:\n  TLS_CERT_FILE and TLS_KEY_FILE: set both to serve HTTPS, or neither" })
  }
  if (c.ELASTICSEARCH_HOSTS !== undefined && c.OPENSEARCH_HOSTS !== undefined) {
    throw new ConfigError({ message: "invalid configuration:\n  OPENSEARCH_HOSTS: set ELASTICSEARCH_HOSTS or OPENSEARCH_HOSTS (one log store), not both" })
  }
  const production = c.LOGFLOW_ENV === "production"
  if (production) {
    const missing = [
      ...secretKeyProblems(c.SECRET_KEY),
      ...(c.ADMIN_PASSWORD === undefined || c.ADMIN_PASSWORD === DEFAULT_ADMIN_PASSWORD
        ? ["  ADMIN_PASSWORD: set the first admin's password (not the default)"]
        : [])
    ]
    if (missing.length) throw new ConfigError({ message: `refusing to start in production with default secrets:\n${missing.join("\n")}` })
  }
  const postgresFromParts = c.POSTGRES_HOST
    ? `postgres://${encodeURIComponent(c.POSTGRES_USER)}${c.POSTGRES_PASSWORD ? `:${encodeURIComponent(c.POSTGRES_PASSWORD)}` : ""}@${c.POSTGRES_HOST}:${c.POSTGRES_PORT}/${encodeURIComponent(c.POSTGRES_DB)}`
    : undefined
  return {
    ...c,
    storePath: resolve(c.DATA_DIR, "logs.db"),
    metaDatabaseUrl: c.DATABASE_URL ?? postgresFromParts ?? `sqlite://${resolve(c.DATA_DIR, "meta.db")}`,
    requireAuthForIngest: c.REQUIRE_AUTH_FOR_INGEST ?? production,
    requireAuthForRead: c.REQUIRE_AUTH_FOR_READ ?? production,
    registrationEnabled: c.REGISTRATION_ENABLED ?? !production,
    adminPassword: c.ADMIN_PASSWORD ?? DEFAULT_ADMIN_PASSWORD,
    publicUrl: (c.PUBLIC_URL ?? `http://localhost:${c.API_PORT}`).replace(/\/+$/, ""),
    redisUrl:
      c.REDIS_URL ??
      (c.REDIS_HOST ? `redis://${c.REDIS_PASSWORD ? `:${encodeURIComponent(c.REDIS_PASSWORD)}@` : ""}${c.REDIS_HOST}:${c.REDIS_PORT}/${c.REDIS_DB}` : undefined)
  }
}
