import { z } from "zod"
import { int, settingsSection } from "../../../settings.ts"

export const sqliteSettings = settingsSection("Embedded log store", "The SQLite log store in DATA_DIR (when no Elasticsearch or OpenSearch is set).", {
  // DEFAULT_ATTRIBUTE_KEYS_PER_BLOCK of block-attributes.ts (a settings file imports nothing of LogFlow's; a unit test checks both agree).
  ATTRIBUTE_KEYS_PER_BLOCK: int(1, 65_536)
    .default(512)
    .describe(
      "Embedded store: at most this many attribute keys get a column of their own in a block (those most of its records carry); the values of further keys are kept per record in one column that `key:value` still searches, so records with many distinct keys cost what they hold."
    ),
  SEARCH_TEXT_CACHE_MB: int(0, 65_536)
    .default(0)
    .describe(
      "Embedded store: messages are kept compressed, so a text search decompresses and lower-cases those of each block it reads; up to this many MiB of that work (shared by the reader threads) is kept for the next searches, least recently used out first. `0` (the default) keeps none. It pays for repeated searches over blocks that do not change; on a store that is being written, what it drops is garbage the collector is slow to free: a 64 MiB cache cost the server about 150 MiB of memory and made searches no faster."
    ),
  SQLITE_SYNCHRONOUS: z.enum(["NORMAL", "FULL"]).default("NORMAL").describe("`NORMAL` survives a killed process; `FULL` also survives power loss, slower."),
  SEARCH_COUNT_BUDGET_MS: int(1, 60_000)
    .default(50)
    .describe(
      "Embedded store: a search counts its matches for at most this long, then `total` is a lower bound (its page is always complete), and facets tally at most this long a sample; so both stay quick however thinly their matches are spread over a large store."
    ),
  SEARCH_READERS: int(1, 256)
    .optional()
    .describe(
      "Embedded store: reader threads that run searches, context, facets, histograms, alert evaluations and metrics reads, each on a read-only connection, off the thread that serves the API and ingest. Unset: the number of cores less one, at least 1."
    ),
  SEARCH_READER_QUEUE: int(1, 100_000)
    .default(64)
    .describe("Embedded store: reads that may wait for a free reader thread; past it a read is refused with 503 and `Retry-After` (`store_busy`).")
})
