import { Elysia } from "elysia"
import type { ApiKeys } from "../../accounts/api-keys.ts"
import type { Users } from "../../accounts/users.ts"
import type { Config } from "../../config.ts"
import { InvalidInput } from "../../domain/errors.ts"
import { lokiToRecords, MalformedLoki } from "./decode.ts"
import { decodeLokiProtobuf } from "./protobuf.ts"
import type { LogBus } from "../../ports/log-bus.ts"
import type { TelemetryInstruments } from "../../ports/telemetry.ts"
import { makeDiskGuard } from "../disk-guard.ts"
import { configuredFieldMap } from "../field-map.ts"
import { publishRecords, readBody, UnsupportedMediaType } from "../request.ts"
import { authPlugin } from "../../api/plugins/auth.ts"
import { errorBody, errors } from "../../api/plugins/errors.ts"
import type { RunEffect } from "../../api/run-effect.ts"

/**
 * Loki's push API (`POST /loki/api/v1/push`): JSON (optionally gzip) or Loki's native
 * snappy-compressed protobuf, so shippers with a Loki output (Promtail, Grafana Alloy, Fluent
 * Bit, Vector, client libraries) can point here. 204 when every entry
 * was stored, as Loki answers; when some were not, 200 with `{accepted, rejected, errors}` like
 * `POST /api/v1/logs` (the stored ones are committed; a 4xx would make a shipper drop them all
 * or resend them all); 400 when none could be stored.
 */

export const lokiRoutes = (run: RunEffect<LogBus | Users | ApiKeys>, config: Config, telemetry: TelemetryInstruments) => {
  const checkDiskSpace = makeDiskGuard(config.DATA_DIR, config.DISK_MIN_FREE_MB * 1024 * 1024)
  const fields = configuredFieldMap(config)
  return new Elysia({ name: "routes/loki" })
    .use(errors)
    .use(authPlugin(run, config, telemetry))
    .post(
      "/loki/api/v1/push",
      async ({ request, set }) => {
        checkDiskSpace()
        const contentType = request.headers.get("content-type") ?? "application/json"
        const protobuf = /^application\/(x-)?protobuf\b/i.test(contentType)
        if (!protobuf && !/^application\/json\b/i.test(contentType)) {
          throw new UnsupportedMediaType({ message: "content-type: must be application/json or application/x-protobuf (snappy-compressed)" })
        }
        const body = await readBody(request, config.INGEST_MAX_BODY_BYTES)
        let batch: ReturnType<typeof lokiToRecords>
        try {
          let parsed: unknown
          if (protobuf) parsed = decodeLokiProtobuf(body, config.INGEST_MAX_BODY_BYTES)
          else {
            try {
              parsed = JSON.parse(new TextDecoder().decode(body))
            } catch (e) {
              throw new MalformedLoki({ message: `is not valid JSON: ${(e as Error).message}` })
            }
          }
          batch = lokiToRecords(parsed, Date.now(), fields, config.ATTRIBUTES_PER_RECORD)
        } catch (e) {
          if (e instanceof MalformedLoki) throw new InvalidInput({ field: "body", reason: e.message })
          throw e
        }
        if (batch.records.length === 0 && batch.rejected === 0) throw new InvalidInput({ field: "body", reason: "holds no log entries" })
        await publishRecords(run, telemetry, "loki", batch.records, batch.rejected)
        if (batch.rejected === 0) {
          set.status = 204
          return
        }
        const result = { accepted: batch.records.length, rejected: batch.rejected, errors: batch.errors }
        if (batch.records.length > 0) return result
        set.status = 400
        const first = batch.errors[0]!
        return { ...errorBody(String(set.headers["x-request-id"] ?? ""), "invalid_input", `${first.path}: ${first.message}`), ...result }
      },
      {
        parse: "none",
        access: "ingest",
        detail: {
          summary: "Loki push API (JSON or snappy protobuf): labels and structured metadata become service, level, host and attributes",
          tags: ["logs"]
        }
      }
    )
}
