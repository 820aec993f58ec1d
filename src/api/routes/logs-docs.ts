import type { DocumentDecoration } from "elysia"
import { z } from "zod"

/** OpenAPI descriptions of the ingest and search routes (ingest reads its body itself). */

const IngestRecord = z.object({
  service: z.string().describe("Emitting service; also the partition key"),
  message: z.string().describe("The log line (alias: msg)"),
  level: z.string().optional().describe("TRACE DEBUG INFO WARN ERROR FATAL, or a synonym (warning, err, critical…); default INFO"),
  timestamp: z.string().optional().describe("Event time: ISO-8601 or epoch s/ms/µs/ns; default: receive time"),
  id: z.string().optional().describe("A ULID to make retries idempotent; generated when absent"),
  host: z.string().optional(),
  trace_id: z.string().optional(),
  span_id: z.string().optional(),
  correlation_id: z.string().optional(),
  attributes: z.record(z.string(), z.unknown()).optional().describe("Flattened to dotted keys; unknown top-level fields land here too")
})
const recordSchema = z.toJSONSchema(IngestRecord) as Record<string, unknown>

export const ingestDocs: DocumentDecoration = {
  summary: "Ingest logs",
  description:
    "Accepts one JSON record, a JSON array of records, or NDJSON (application/x-ndjson). Answers after the accepted records are committed to the store. " +
    "Malformed lines are rejected one by one and reported in `errors` ({line, message}); the rest are accepted. " +
    "413 above the body limit; 503 with Retry-After when the pipeline is saturated.",
  tags: ["logs"],
  requestBody: {
    required: true,
    content: {
      "application/json": { schema: { oneOf: [recordSchema, { type: "array", items: recordSchema }] } },
      "application/x-ndjson": { schema: { type: "string", description: "One JSON record per line" } }
    }
  },
  responses: {
    200: { description: "`{accepted, rejected, errors:[{line, message}]}`" },
    400: { description: "Every line was rejected, or the body is empty or not JSON" },
    413: { description: "Body larger than INGEST_MAX_BODY_BYTES" },
    507: { description: "Less free disk space than DISK_MIN_FREE_MB; see Retry-After" },
    503: { description: "Pipeline saturated or shutting down; see Retry-After" }
  }
}

export const searchDocs: DocumentDecoration = {
  summary: "Search logs, newest first",
  description:
    "Returns `{total, total_is_lower_bound, logs, next_cursor, took_ms}`. Pass `next_cursor` as `cursor` for the next page; paging is stable under concurrent ingest.",
  tags: ["logs"]
}
