import { z } from "zod"
import { int, settingsSection } from "../../settings.ts"

export const otlpGrpcSettings = settingsSection(
  "OTLP/gRPC",
  "The OpenTelemetry logs service over gRPC (the Collector's and the SDKs' default transport), served by the `all` and `api` roles.",
  {
    OTLP_GRPC_HOST: z.string().min(1).default("0.0.0.0").describe("Address the OTLP/gRPC listener binds to."),
    OTLP_GRPC_PORT: int(0, 65535)
      .default(4317)
      .describe(
        "Port of `opentelemetry.proto.collector.logs.v1.LogsService/Export` (plain-text HTTP/2, gzip accepted); 0 turns the listener off. Messages are bounded by INGEST_MAX_BODY_BYTES, after gzip is inflated."
      ),
    OTLP_GRPC_MAX_CONCURRENT_STREAMS: int(1, 10_000)
      .default(100)
      .describe("Export calls one connection may have in flight at once; a client waits for the others before sending more."),
    OTLP_GRPC_MAX_CONNECTIONS: int(1, 1_000_000).default(1_024).describe("Open OTLP/gRPC connections at once; further ones are closed at once (counted)."),
    OTLP_GRPC_MAX_PER_SOURCE: int(1, 1_000_000)
      .default(64)
      .describe("Open OTLP/gRPC connections from one address at once; further ones are closed at once (counted)."),
    OTLP_GRPC_IDLE_TIMEOUT_MS: int(1_000, 86_400_000)
      .default(300_000)
      .describe("A gRPC connection with no call for this long is closed (the exporter reconnects when it next sends).")
  }
)
