import { z } from "zod"
import { settingsSection } from "../../settings.ts"

export const esBulkSettings = settingsSection(
  "Elasticsearch-compatible ingest",
  "The `_bulk` API and single-document writes for shippers with an Elasticsearch output (their documents are mapped by the `LOG_FIELD_*` lists).",
  {
    ES_COMPAT_PATH: z
      .string()
      .regex(/^\/[A-Za-z0-9._~-]+$/, "expected a path like /es")
      .default("/es")
      .describe("Where the Elasticsearch-compatible API (`GET /`, `_bulk`, start-up probes) is served for shippers' Elasticsearch outputs."),
    ES_COMPAT_VERSION: z
      .string()
      .regex(/^\d+\.\d+\.\d+$/, "expected a version like 8.17.0")
      .default("8.17.0")
      .describe("The Elasticsearch version `GET <ES_COMPAT_PATH>/` reports; shippers check its major version against their own.")
  }
)
