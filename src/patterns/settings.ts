import { z } from "zod"
import { bool, int, settingsSection } from "../settings.ts"

export const patternSettings = settingsSection(
  "Log patterns",
  "Messages clustered into templates as they are indexed (roles `all` and `worker`), counted per minute and kept in the metadata store.",
  {
    PATTERNS_ENABLED: bool.default(true).describe("Learn patterns from committed records in this process."),
    PATTERNS_MAX_PER_SERVICE: int(10, 100_000)
      .default(500)
      .describe("Templates kept per service; past it, the rarest (of a small random sample) is evicted with its history."),
    PATTERNS_MAX_SERVICES: int(1, 100_000).default(1_000).describe("Services learned at most; records of further services are not learned (counted)."),
    PATTERNS_SIMILARITY: z.coerce
      .number()
      .min(0.1)
      .max(1)
      .default(0.5)
      .describe("Share of equal tokens (0.1 to 1) a message needs to join a template; lower merges more."),
    PATTERNS_MAX_TOKENS: int(4, 512).default(64).describe("Tokens of a message's first line that a template holds; the rest stands as one `<*>`."),
    PATTERNS_SHAPE_CACHE: int(0, 10_000_000)
      .default(20_000)
      .describe(
        "Message shapes (first lines with digits as 0) remembered with their template, across services, so a message of a known shape is counted without tokenizing or clustering it; past it they are forgotten at once (0: off)."
      ),
    PATTERNS_MAILBOX: int(1, 100_000)
      .default(64)
      .describe(
        "Committed batches waiting for the learner (and as many again in its thread); beyond, new ones are dropped (counted), so ingest never waits for it."
      ),
    PATTERNS_FLUSH_MS: int(1_000, 3_600_000)
      .default(10_000)
      .describe("How often learned templates and counts are written to the metadata store (and on stop)."),
    PATTERNS_HISTORY_HOURS: int(1, 87_600).default(168).describe("Hours of per-minute counts kept; templates not seen for this long are forgotten."),
    PATTERNS_PENDING_MINUTES: int(1_000, 10_000_000)
      .default(200_000)
      .describe("Per-template minute buckets held between writes, at most (bounds memory while the metadata store is down); records beyond are not counted.")
  }
)
