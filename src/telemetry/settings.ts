import { z } from "zod"
import { int, settingsSection } from "../settings.ts"

export const telemetrySettings = settingsSection("Telemetry", "LogFlow's own traces and metrics.", {
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional().describe("OTLP/HTTP collector base URL (traces go to <url>/v1/traces); tracing is off when unset."),
  OTEL_SERVICE_NAME: z.string().min(1).max(128).default("logflow").describe("The service name LogFlow's own spans carry."),
  OTEL_EXPORT_INTERVAL_MS: int(100, 60_000).default(2_000).describe("How often finished spans are sent."),
  METRICS_TOKEN: z.string().min(16).optional().describe("When set, GET /metrics requires `Authorization: Bearer <METRICS_TOKEN>`.")
})
