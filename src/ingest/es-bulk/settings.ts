import { z } from "zod"
import { int, settingsSection } from "../../settings.ts"

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
      .describe("The Elasticsearch version `GET <ES_COMPAT_PATH>/` reports; shippers check its major version against their own."),
    ES_ID_LOOKUP_LIMIT: int(0, 100_000)
      .default(1_000)
      .describe(
        "Most client `_id`s of one `_bulk` request looked up in the store (a `create` of a stored one is a 409, an `index` a noop); the items past it are stored without the look-up, and the store still keeps each id once."
      )
  }
)
