import { z } from "zod"
import { bool, int, settingsSection } from "../../settings.ts"

export const redisSettings = settingsSection(
  "Redis and cache",
  "Redis holds the cache and the rate limits shared by API replicas; without it both are in process.",
  {
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, "expected redis://…")
      .optional()
      .describe("Redis for the cache and rate limits, shared by API replicas: a URL, or REDIS_HOST with REDIS_PORT, REDIS_PASSWORD and REDIS_DB."),
    REDIS_HOST: z.string().min(1).optional().describe("Redis host, when REDIS_URL is unset."),
    REDIS_PORT: int(1, 65535).default(6379).describe("Redis port."),
    REDIS_PASSWORD: z.string().optional().describe("Redis password."),
    REDIS_DB: int(0, 255).default(0).describe("Redis database number."),
    REDIS_KEY_PREFIX: z
      .string()
      .max(64)
      .default("logflow:")
      .describe("Prefix of every key LogFlow writes to Redis, so several deployments can share one server."),
    CACHE_ENABLED: bool.default(true).describe("Cache the metrics endpoints' responses (with their TTLs)."),
    CACHE_MAX_ENTRIES: int(1, 10_000_000).default(10_000).describe("Entries the in-process cache keeps (least recently used dropped first).")
  }
)
