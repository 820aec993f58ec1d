import { Elysia } from "elysia"
import type { ApiKeys } from "../../accounts/api-keys.ts"
import type { Users } from "../../accounts/users.ts"
import type { Config } from "../../config.ts"
import { InvalidInput } from "../../domain/errors.ts"
import { decodeOtlpJson, MalformedOtlp, type OtlpBatch, otlpResponseOf, otlpToRecords, type OtlpResponse } from "./decode.ts"
import { encodeOtlpResponseProtobuf, encodeOtlpStatusProtobuf } from "./proto-types.ts"
import { otlpProtobufToRecords } from "./wire.ts"
import type { LogBus } from "../../ports/log-bus.ts"
import { writeLogLine } from "../../log-line.ts"
import type { TelemetryInstruments } from "../../ports/telemetry.ts"
import { makeDiskGuard } from "../disk-guard.ts"
import { publishRecords, readBody, UnsupportedMediaType } from "../request.ts"
import { authPlugin } from "../../api/plugins/auth.ts"
import { errors, isHttpFailure } from "../../api/plugins/errors.ts"
import type { RunEffect } from "../../api/run-effect.ts"

/**
 * OTLP/HTTP logs receiver (`POST /v1/logs`), so OpenTelemetry SDKs and collectors can export
 * here with `OTEL_EXPORTER_OTLP_ENDPOINT=http://logflow:8000`. JSON or protobuf, gzip or not.
 * Answers after the accepted records are committed; records that cannot be stored are counted
 * in `partialSuccess` (per the OTLP spec, still a 200, so the exporter does not resend them).
 * Saturation is a 503 with Retry-After, which OTLP exporters retry. Errors reach protobuf
 * clients as a protobuf `google.rpc.Status`; credentials are checked before the body is read,
 * so a 401/403 is the usual JSON error body for every client.
 */

const PROTOBUF = /^application\/(x-)?protobuf\b/i
const JSON_TYPE = /^application\/json\b/i

export const otlpRoutes = (run: RunEffect<LogBus | Users | ApiKeys>, config: Config, telemetry: TelemetryInstruments) => {
  const checkDiskSpace = makeDiskGuard(config.DATA_DIR, config.DISK_MIN_FREE_MB * 1024 * 1024)

  /** Decodes, publishes and answers with an ExportLogsServiceResponse in the request's encoding. */
  const exportLogs = async (request: Request, protobuf: boolean): Promise<OtlpResponse> => {
    checkDiskSpace()
    const body = await readBody(request, config.INGEST_MAX_BODY_BYTES)
    let batch: OtlpBatch
    try {
      batch = protobuf
        ? otlpProtobufToRecords(body, Date.now(), config.ATTRIBUTES_PER_RECORD)
        : otlpToRecords(decodeOtlpJson(new TextDecoder().decode(body)), Date.now(), config.ATTRIBUTES_PER_RECORD)
    } catch (e) {
      if (e instanceof MalformedOtlp) throw new InvalidInput({ field: "body", reason: e.message })
      throw e
    }
    await publishRecords(run, telemetry, "otlp", batch.records, batch.rejected)
    return otlpResponseOf(batch)
  }

  return new Elysia({ name: "routes/otlp" })
    .use(errors)
    .use(authPlugin(run, config, telemetry))
    .post(
      "/v1/logs",
      async ({ request, set }) => {
        const contentType = request.headers.get("content-type") ?? ""
        const protobuf = PROTOBUF.test(contentType)
        if (!protobuf && !JSON_TYPE.test(contentType))
          throw new UnsupportedMediaType({ message: "content-type: must be application/json or application/x-protobuf" })
        if (!protobuf) return exportLogs(request, false)
        set.headers["content-type"] = "application/x-protobuf"
        try {
          return encodeOtlpResponseProtobuf(await exportLogs(request, true))
        } catch (e) {
          if (!isHttpFailure(e)) throw e
          if (e.status >= 500) writeLogLine("ERROR", e.message, { request_id: String(set.headers["x-request-id"] ?? "") })
          set.status = e.status
          if (e.retryAfterSeconds !== undefined) set.headers["retry-after"] = String(e.retryAfterSeconds)
          Object.assign(set.headers, e.headers)
          return encodeOtlpStatusProtobuf(e.status, e.publicMessage ?? e.message)
        }
      },
      {
        parse: "none",
        access: "ingest",
        detail: {
          summary: "OpenTelemetry logs over OTLP/HTTP (JSON or protobuf, optionally gzip)",
          description:
            "An ExportLogsServiceRequest. Resource `service.name` becomes the service, severity the level, the body the message; resource and scope attributes are kept as `resource.*` and `scope.*`. Answers an ExportLogsServiceResponse after the records are committed, with `partialSuccess` counting records that were rejected.",
          tags: ["logs"]
        }
      }
    )
}
