import { z } from "zod"
import { int, settingsSection, urlList } from "../../../settings.ts"

export const documentSettings = settingsSection(
  "Elasticsearch and OpenSearch",
  "Elasticsearch or OpenSearch as the log store (scale-out); set one of the two hosts variables.",
  {
    ELASTICSEARCH_HOSTS: urlList.optional().describe("Elasticsearch for logs (scale-out); SQLite in DATA_DIR when unset."),
    OPENSEARCH_HOSTS: urlList
      .optional()
      .describe(
        "OpenSearch (3.x) for logs instead, through the same store; the ELASTICSEARCH_INDEX, _SHARDS, _REPLICAS, _REFRESH, _FIELD_LIMIT and _TIMEOUT_MS settings apply to it too. Not with ELASTICSEARCH_HOSTS."
      ),
    ELASTICSEARCH_INDEX: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,100}$/, "expected a lower-case index name")
      .default("logflow-logs")
      .describe("Alias over the daily indices `<index>-YYYY.MM.DD`, and their name prefix."),
    ELASTICSEARCH_SHARDS: int(1, 64).default(1).describe("Primary shards of each daily index LogFlow creates."),
    ELASTICSEARCH_REPLICAS: int(0, 16).default(0).describe("Replicas of each daily index LogFlow creates."),
    ELASTICSEARCH_REFRESH: z
      .enum(["true", "false", "wait_for"])
      .default("wait_for")
      .describe("When written logs become searchable: `wait_for` (before the batch counts as stored), `true` (forced, slower), `false` (within a second)."),
    ELASTICSEARCH_FIELD_LIMIT: int(100, 100_000).default(1_000).describe("Mapped fields per daily index; attributes beyond it are kept but not searchable."),
    ELASTICSEARCH_TIMEOUT_MS: int(100, 600_000).default(30_000).describe("Longest wait for one Elasticsearch/OpenSearch request.")
  }
)
