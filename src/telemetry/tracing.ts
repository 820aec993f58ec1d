import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http"
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Layer } from "effect"
import type { Config } from "../config.ts"
import { VERSION } from "../version.ts"

/**
 * OpenTelemetry traces over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set; otherwise no
 * tracer is installed and spans cost nothing beyond Effect's own bookkeeping.
 */
export const tracingLayer = (config: Config) => {
  const endpoint = config.OTEL_EXPORTER_OTLP_ENDPOINT
  if (endpoint === undefined) return Layer.empty
  return NodeSdk.layer(() => ({
    resource: { serviceName: config.OTEL_SERVICE_NAME, serviceVersion: VERSION },
    spanProcessor: new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint.replace(/\/$/, "")}/v1/traces` }), {
      scheduledDelayMillis: config.OTEL_EXPORT_INTERVAL_MS
    })
  }))
}
