import { int, settingsSection } from "../../settings.ts"

export const indexingSettings = settingsSection("Indexing and search", "How records are batched into the log store, and how searches count, in either store.", {
  INDEXER_BATCH_SIZE: int(1, 1_000_000).default(4_000).describe("Records the indexer gathers before it writes a batch to the store."),
  INDEXER_FLUSH_MS: int(1, 60_000).default(20).describe("Longest time a record waits in the indexer for its batch to fill."),
  INDEXER_MAILBOX: int(1, 100_000).default(64).describe("Deliveries the indexer's mailbox holds before partition consumers wait."),
  INDEXER_WRITES_IN_FLIGHT: int(1, 64)
    .default(2)
    .describe("Batches the indexer writes at once (the next while the last one's answer comes back); answered in order."),
  SEARCH_COUNT_CAP: int(1, 10_000_000).default(10_000).describe("Searches count matches exactly up to this many, then report a lower bound.")
})
