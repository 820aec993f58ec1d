import { Data } from "effect"
import { resolve } from "node:path"
import { z } from "zod"

/**
 * All configuration, from environment variables, validated once at start-up. Names follow the
 * seed where it has them. Defaults are written here and nowhere else.
 */

const MiB = 1024 * 1024
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max)
const bool = z.enum(["true", "false", "1", "0", "yes", "no"]).transform((v) => v === "true" || v === "1" || v === "yes")
/** `N/second`, `N/minute` or `N/hour`, as the seed writes its limits. */
const rate = z.string().regex(/^\d{1,9}\/(second|minute|hour)$/, "expected N/second, N/minute or N/hour")

/** Comma-separated `http(s)://host:port` URLs. */
const urlList = z.string().regex(/^https?:\/\/[^\s,]+(,https?:\/\/[^\s,]+)*$/, "expected comma-separated http(s):// URLs")
/** Comma-separated `host:port` pairs. */
const hostPortList = z.string().regex(/^[\w.-]+:\d{1,5}(,[\w.-]+:\d{1,5})*$/, "expected comma-separated host:port pairs")
const topicName = z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, "expected a Kafka topic name")

/** Shipped so that development needs no setup; production refuses to start with them. */
export const DEFAULT_SECRET_KEY = "logflow-development-secret-change-me"
export const DEFAULT_ADMIN_PASSWORD = "admin123"

const schema = z.object({
  LOGFLOW_ENV: z.enum(["development", "production", "test"]).default("development"),
  LOG_LEVEL: z.enum(["debug", "info", "warning", "error"]).default("info"),
  API_HOST: z.string().min(1).default("0.0.0.0"),
  API_PORT: int(0, 65535).default(8000),
  DATA_DIR: z.string().min(1).default("./data"),

  /** Partitions of the embedded bus (one consumer actor each). */
  BUS_PARTITIONS: int(1, 256).default(4),
  /** Request-sized deliveries a partition holds before publishers wait. */
  BUS_PARTITION_CAPACITY: int(1, 100_000).default(64),
  /** Longest wait for room in the pipeline before ingest answers 503 with Retry-After. */
  INGEST_ENQUEUE_TIMEOUT_MS: int(1, 600_000).default(5_000),
  /** Longest wait for the commit of queued records before ingest answers 503. */
  INGEST_COMMIT_TIMEOUT_MS: int(1, 600_000).default(30_000),
  INGEST_MAX_BODY_BYTES: int(1024, 1024 * MiB).default(10 * MiB),

  /** Where the Elasticsearch-compatible API (`GET /`, `_bulk`, start-up probes) is served for shippers' Elasticsearch outputs. */
  ES_COMPAT_PATH: z
    .string()
    .regex(/^\/[A-Za-z0-9._~-]+$/, "expected a path like /es")
    .default("/es"),
  /** The Elasticsearch version `GET <ES_COMPAT_PATH>/` reports; shippers check its major version against their own. */
  ES_COMPAT_VERSION: z
    .string()
    .regex(/^\d+\.\d+\.\d+$/, "expected a version like 8.17.0")
    .default("8.17.0"),
  /** Fields of a `_bulk` document read as the record's fields: comma-separated candidates, the first present wins (ECS names, then syslog-ng's). */
  ES_FIELD_TIMESTAMP: z.string().min(1).max(512).default("@timestamp,timestamp,ISODATE"),
  ES_FIELD_MESSAGE: z.string().min(1).max(512).default("message,MESSAGE,msg"),
  ES_FIELD_LEVEL: z.string().min(1).max(512).default("log.level,level,PRIORITY,severity"),
  ES_FIELD_SERVICE: z.string().min(1).max(512).default("service.name,service,PROGRAM,app"),
  ES_FIELD_HOST: z.string().min(1).max(512).default("host.name,host.hostname,HOST"),
  /** Syslog listeners (RFC 5424 and RFC 3164); each is off unless its port is set. */
  SYSLOG_HOST: z.string().min(1).default("0.0.0.0"),
  SYSLOG_UDP_PORT: int(0, 65535).optional(),
  SYSLOG_TCP_PORT: int(0, 65535).optional(),
  /** Longest syslog message (TCP frame or UDP datagram); longer TCP frames are cut there. */
  SYSLOG_MAX_MESSAGE_BYTES: int(480, 16 * MiB).default(64 * 1024),
  /** Syslog records waiting for the pipeline; near it TCP senders are paused (TCP backpressure), at it UDP messages are dropped (counted). */
  SYSLOG_BUFFER_RECORDS: int(1, 10_000_000).default(100_000),

  INDEXER_BATCH_SIZE: int(1, 1_000_000).default(4_000),
  INDEXER_FLUSH_MS: int(1, 60_000).default(20),
  /** Deliveries the indexer's mailbox holds before partition consumers wait. */
  INDEXER_MAILBOX: int(1, 100_000).default(64),
  /** Batches the indexer writes at once (the next while the last one's answer comes back); answered in order. */
  INDEXER_WRITES_IN_FLIGHT: int(1, 64).default(2),

  /** `NORMAL` survives a killed process; `FULL` also survives power loss, slower. */
  SQLITE_SYNCHRONOUS: z.enum(["NORMAL", "FULL"]).default("NORMAL"),
  /** Searches count matches exactly up to this many, then report a lower bound. */
  SEARCH_COUNT_CAP: int(1, 10_000_000).default(10_000),
  /**
   * Embedded store: a search counts its matches for at most this long, then `total` is a lower
   * bound (its page is always complete), and facets tally at most this long a sample; so both
   * stay quick however thinly their matches are spread over a large store.
   */
  SEARCH_COUNT_BUDGET_MS: int(1, 60_000).default(50),

  TAIL_HUB_CAPACITY: int(1, 100_000).default(1_000),
  TAIL_SUBSCRIBER_BUFFER: int(1, 1_000_000).default(10_000),
  /** Live tails one user (or address) may hold open at once. */
  TAIL_MAX_PER_CLIENT: int(1, 1_000).default(5),

  /** Days logs are kept (changeable at run time, also per service, via /api/v1/admin/config). */
  RETENTION_DAYS: int(1, 36_500).default(7),
  RETENTION_INTERVAL_MS: int(1_000, 86_400_000).default(60_000),
  /** Records deleted per transaction, so retention never holds the writer for long. */
  RETENTION_BATCH_SIZE: int(1, 100_000).default(5_000),
  /** Ingest answers 507 once the data directory's file system has less free space than this. */
  DISK_MIN_FREE_MB: int(0, 10_000_000).default(512),

  /** Deadline for draining mailboxes on SIGTERM/SIGINT. */
  SHUTDOWN_TIMEOUT_MS: int(100, 600_000).default(10_000),

  /** Metadata store: `postgres://…` (or the POSTGRES_* variables) for PostgreSQL, else SQLite in DATA_DIR. */
  DATABASE_URL: z
    .string()
    .regex(/^(postgres(ql)?|sqlite):\/\//, "expected postgres://… or sqlite://…")
    .optional(),
  POSTGRES_HOST: z.string().min(1).optional(),
  POSTGRES_PORT: int(1, 65535).default(5432),
  POSTGRES_USER: z.string().min(1).default("postgres"),
  POSTGRES_PASSWORD: z.string().optional(),
  POSTGRES_DB: z.string().min(1).default("logflow"),

  /** Signs access tokens (HS256). Production requires your own, at least 32 characters. */
  SECRET_KEY: z.string().min(16).default(DEFAULT_SECRET_KEY),
  ACCESS_TOKEN_EXPIRE_MINUTES: int(1, 10_080).default(30),
  /** bcrypt work factor for passwords. */
  BCRYPT_COST: int(4, 15).default(10),
  /** The account created on first start. */
  ADMIN_USERNAME: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{3,64}$/)
    .default("admin"),
  ADMIN_EMAIL: z.email().default("admin@logflow.local"),
  ADMIN_PASSWORD: z.string().min(8).optional(),
  /** Whether ingest / reads need a token or API key; default: no in development, yes in production. */
  REQUIRE_AUTH_FOR_INGEST: bool.optional(),
  /** Whether anyone may register; default: yes in development, no in production (admins still can). */
  REGISTRATION_ENABLED: bool.optional(),
  REQUIRE_AUTH_FOR_READ: bool.optional(),

  /** Redis for the cache and rate limits, shared by API replicas: a URL, or the seed's REDIS_HOST/PORT/PASSWORD/DB. */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "expected redis://…")
    .optional(),
  REDIS_HOST: z.string().min(1).optional(),
  REDIS_PORT: int(1, 65535).default(6379),
  REDIS_PASSWORD: z.string().optional(),
  REDIS_DB: int(0, 255).default(0),
  /** Prefix of every key LogFlow writes to Redis, so several deployments can share one server. */
  REDIS_KEY_PREFIX: z.string().max(64).default("logflow:"),
  /** Entries the in-process cache keeps (least recently used dropped first). */
  CACHE_MAX_ENTRIES: int(1, 10_000_000).default(10_000),
  CACHE_ENABLED: bool.default(true),
  /** Browser origins allowed to call the API (comma-separated, or `*`); none by default (same origin only). */
  CORS_ORIGINS: z.string().max(4096).default(""),
  /** Serve HTTPS with this certificate and key (PEM files); both or neither. */
  TLS_CERT_FILE: z.string().min(1).optional(),
  TLS_KEY_FILE: z.string().min(1).optional(),
  /** Believe X-Forwarded-For for the client address (only behind a proxy you run). */
  TRUST_PROXY: bool.default(false),

  /** OTLP/HTTP collector base URL (traces go to <url>/v1/traces); tracing is off when unset. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_SERVICE_NAME: z.string().min(1).max(128).default("logflow"),
  /** How often finished spans are sent. */
  OTEL_EXPORT_INTERVAL_MS: int(100, 60_000).default(2_000),
  /** When set, GET /metrics requires `Authorization: Bearer <METRICS_TOKEN>`. */
  METRICS_TOKEN: z.string().min(16).optional(),

  /** Run the alert engine in this process (roles `all` and `alerting`). */
  ALERTING_ENABLED: bool.default(true),
  /** How often the engine reloads rules (changes made by other processes) and renews its leader lease. */
  ALERT_SYNC_INTERVAL_MS: int(100, 600_000).default(5_000),
  /** A leader that has not renewed its lease for this long is replaced by another alerting process. */
  ALERT_LEADER_LEASE_MS: int(1_000, 3_600_000).default(20_000),
  /** A rule that flips between firing and clear more often than this in an hour is flapping. */
  ALERT_FLAP_THRESHOLD: int(2, 1_000).default(6),
  /** Pending notifications per channel; beyond it, a rule's pending notification is replaced by its newer one. */
  ALERT_NOTIFIER_MAILBOX: int(1, 100_000).default(100),
  ALERT_WEBHOOK_TIMEOUT_MS: int(100, 60_000).default(5_000),
  /** Attempts per webhook or Slack notification, with exponential backoff from ALERT_WEBHOOK_RETRY_BASE_MS. */
  ALERT_WEBHOOK_MAX_ATTEMPTS: int(1, 20).default(4),
  ALERT_WEBHOOK_RETRY_BASE_MS: int(10, 600_000).default(1_000),
  /**
   * Webhook hosts allowed even though they are private or loopback addresses (comma-separated
   * host names, IP addresses or CIDR ranges; `*` allows all). Rules are user input, so by default
   * they cannot reach the internal network.
   */
  ALERT_WEBHOOK_ALLOWED_HOSTS: z.string().max(4096).default(""),
  /** Base URL of this LogFlow as users reach it, for links in notifications. */
  PUBLIC_URL: z.url().optional(),
  /** Email notifications (SMTP); the email channel is refused while SMTP_HOST is unset. */
  SMTP_HOST: z.string().min(1).optional(),
  SMTP_PORT: int(1, 65535).default(587),
  /** `true`: TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  SMTP_SECURE: bool.default(false),
  SMTP_USER: z.string().min(1).optional(),
  SMTP_PASSWORD: z.string().optional(),
  SMTP_FROM: z.string().min(3).default("LogFlow <logflow@localhost>"),
  /** Elasticsearch for logs (scale-out); SQLite in DATA_DIR when unset. */
  ELASTICSEARCH_HOSTS: urlList.optional(),
  /** Alias over the daily indices `<index>-YYYY.MM.DD`, and their name prefix. */
  ELASTICSEARCH_INDEX: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,100}$/, "expected a lower-case index name")
    .default("logflow-logs"),
  ELASTICSEARCH_SHARDS: int(1, 64).default(1),
  ELASTICSEARCH_REPLICAS: int(0, 16).default(0),
  /** When written logs become searchable: `wait_for` (before the batch counts as stored), `true` (forced, slower), `false` (within a second). */
  ELASTICSEARCH_REFRESH: z.enum(["true", "false", "wait_for"]).default("wait_for"),
  /** Mapped fields per daily index; attributes beyond it are kept but not searchable. */
  ELASTICSEARCH_FIELD_LIMIT: int(100, 100_000).default(1_000),
  ELASTICSEARCH_TIMEOUT_MS: int(100, 600_000).default(30_000),
  /**
   * OpenSearch (3.x) for logs instead, through the same store; the ELASTICSEARCH_INDEX, _SHARDS,
   * _REPLICAS, _REFRESH, _FIELD_LIMIT and _TIMEOUT_MS settings apply to it too. Not with ELASTICSEARCH_HOSTS.
   */
  OPENSEARCH_HOSTS: urlList.optional(),

  /** Kafka for the bus between ingest and indexing (scale-out); in-process queues when unset. */
  KAFKA_BOOTSTRAP_SERVERS: hostPortList.optional(),
  KAFKA_TOPIC: topicName.default("logs"),
  /** Where messages that are not log records go, with the reason in a header. */
  KAFKA_DLQ_TOPIC: topicName.default("logs.dlq"),
  /** Partitions and replication of the topics when LogFlow creates them (existing topics are kept). */
  KAFKA_PARTITIONS: int(1, 10_000).default(6),
  KAFKA_REPLICATION_FACTOR: int(1, 16).default(1),
  KAFKA_GROUP_ID: z.string().min(1).max(255).default("logflow-indexers"),
  KAFKA_CLIENT_ID: z.string().min(1).max(255).default("logflow"),
  /** Kafka batches a partition buffers for the pipeline before it is paused. */
  KAFKA_PARTITION_BUFFER: int(1, 1_000).default(4),
  /** How often stored offsets are committed (and once more on shutdown). */
  KAFKA_COMMIT_INTERVAL_MS: int(100, 60_000).default(1_000),
  /** A worker silent this long loses its partitions to the others (broker minimum: 6 s). */
  KAFKA_SESSION_TIMEOUT_MS: int(6_000, 300_000).default(30_000),

  RATE_LIMIT_ENABLED: bool.default(true),
  RATE_LIMIT_DEFAULT: rate.default("100/minute"),
  RATE_LIMIT_SEARCH: rate.default("50/minute"),
  RATE_LIMIT_RECENT: rate.default("100/minute"),
  RATE_LIMIT_LOOKUP: rate.default("200/minute"),
  RATE_LIMIT_LOGIN: rate.default("20/hour"),
  RATE_LIMIT_REGISTER: rate.default("10/hour"),
  RATE_LIMIT_METRICS: rate.default("100/minute"),
  RATE_LIMIT_PROFILE_UPDATE: rate.default("30/hour"),
  RATE_LIMIT_USER_LIST: rate.default("50/minute")
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

/** The environment does not make a valid configuration; `message` names each variable and what it expected. */
export class ConfigError extends Data.TaggedError("ConfigError")<{ readonly message: string }> {}

/** Parses the environment; the error names each bad variable and what it expected. */
export const loadConfig = (env: Record<string, string | undefined> = process.env): Config => {
  // Empty variables count as unset, as in most shells' `VAR= cmd`.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""))
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
      ...(c.SECRET_KEY === DEFAULT_SECRET_KEY || c.SECRET_KEY.length < 32
        ? ["  SECRET_KEY: set a random secret of at least 32 characters (openssl rand -hex 32)"]
        : []),
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
