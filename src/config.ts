import { resolve } from "node:path"
import { z } from "zod"

/**
 * All configuration, from environment variables, validated once at start-up. Names follow the
 * seed where it has them. Defaults are written here and nowhere else.
 */

const MiB = 1024 * 1024
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max)

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

  INDEXER_BATCH_SIZE: int(1, 1_000_000).default(4_000),
  INDEXER_FLUSH_MS: int(1, 60_000).default(20),
  /** Deliveries the indexer's mailbox holds before partition consumers wait. */
  INDEXER_MAILBOX: int(1, 100_000).default(64),

  /** `NORMAL` survives a killed process; `FULL` also survives power loss, slower. */
  SQLITE_SYNCHRONOUS: z.enum(["NORMAL", "FULL"]).default("NORMAL"),
  /** Searches count matches exactly up to this many, then report a lower bound. */
  SEARCH_COUNT_CAP: int(1, 10_000_000).default(10_000),

  TAIL_HUB_CAPACITY: int(1, 100_000).default(1_000),
  TAIL_SUBSCRIBER_BUFFER: int(1, 1_000_000).default(10_000),

  /** Deadline for draining mailboxes on SIGTERM/SIGINT. */
  SHUTDOWN_TIMEOUT_MS: int(100, 600_000).default(10_000)
})

export type Config = z.infer<typeof schema> & { readonly storePath: string }

export class ConfigError extends Error {}

/** Parses the environment; the error names each bad variable and what it expected. */
export const loadConfig = (env: Record<string, string | undefined> = process.env): Config => {
  // Empty variables count as unset, as in most shells' `VAR= cmd`.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""))
  const result = schema.safeParse(present)
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`)
    throw new ConfigError(`invalid configuration:\n${lines.join("\n")}`)
  }
  return { ...result.data, storePath: resolve(result.data.DATA_DIR, "logs.db") }
}
