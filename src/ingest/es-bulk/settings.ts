import { z } from "zod"
import { settingsSection } from "../../settings.ts"

export const esBulkSettings = settingsSection(
  "Elasticsearch-compatible ingest",
  "The `_bulk` API for shippers with an Elasticsearch output, and how its documents map to records.",
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
    ES_FIELD_TIMESTAMP: z
      .string()
      .min(1)
      .max(512)
      .default("@timestamp,timestamp,ISODATE")
      .describe("Candidate `_bulk` fields for the timestamp (comma-separated, the first present wins; ECS names, then syslog-ng's)."),
    ES_FIELD_MESSAGE: z.string().min(1).max(512).default("message,MESSAGE,msg").describe("Candidate `_bulk` fields for the message, first present wins."),
    ES_FIELD_LEVEL: z
      .string()
      .min(1)
      .max(512)
      .default("log.level,level,PRIORITY,severity")
      .describe("Candidate `_bulk` fields for the level, first present wins."),
    ES_FIELD_SERVICE: z
      .string()
      .min(1)
      .max(512)
      .default("service.name,service,PROGRAM,app")
      .describe("Candidate `_bulk` fields for the service, first present wins."),
    ES_FIELD_HOST: z.string().min(1).max(512).default("host.name,host.hostname,HOST").describe("Candidate `_bulk` fields for the host, first present wins.")
  }
)
