import { int, settingsSection } from "../settings.ts"

export const retentionSettings = settingsSection("Retention", "How long logs are kept and how they are deleted.", {
  RETENTION_DAYS: int(1, 36_500).default(7).describe("Days logs are kept (changeable at run time, also per service, via /api/v1/admin/config)."),
  RETENTION_INTERVAL_MS: int(1_000, 86_400_000).default(60_000).describe("How often the retention runner deletes expired logs."),
  RETENTION_LEASE_MS: int(1_000, 600_000)
    .default(30_000)
    .describe(
      "On Elasticsearch/OpenSearch, one process runs retention: the holder of a lease it renews every third of this; when it dies, another takes over once this has passed."
    ),
  RETENTION_BATCH_SIZE: int(1, 100_000).default(5_000).describe("Records deleted per transaction, so retention never holds the writer for long.")
})
