import { int, MiB, settingsSection } from "../settings.ts"

export const ingestSettings = settingsSection("Ingest", "What every ingest protocol shares: body size, waiting for room and for the commit, free disk.", {
  INGEST_MAX_BODY_BYTES: int(1024, 1024 * MiB)
    .default(10 * MiB)
    .describe("Largest ingest request body, after gzip is inflated; larger bodies get 413."),
  INGEST_ENQUEUE_TIMEOUT_MS: int(1, 600_000).default(5_000).describe("Longest wait for room in the pipeline before ingest answers 503 with Retry-After."),
  INGEST_COMMIT_TIMEOUT_MS: int(1, 600_000).default(30_000).describe("Longest wait for the commit of queued records before ingest answers 503."),
  DISK_MIN_FREE_MB: int(0, 10_000_000).default(512).describe("Ingest answers 507 once the data directory's file system has less free space than this.")
})
