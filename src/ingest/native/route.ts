import { Elysia } from "elysia"
import type { ApiKeys } from "../../accounts/api-keys.ts"
import type { Users } from "../../accounts/users.ts"
import { authPlugin } from "../../api/plugins/auth.ts"
import { errorBody, errors } from "../../api/plugins/errors.ts"
import { ingestDocs } from "../../api/routes/logs-docs.ts"
import type { RunEffect } from "../../api/run-effect.ts"
import type { Config } from "../../config.ts"
import { InvalidInput } from "../../domain/errors.ts"
import type { LogBus } from "../../ports/log-bus.ts"
import type { TelemetryInstruments } from "../../ports/telemetry.ts"
import { makeDiskGuard } from "../disk-guard.ts"
import { configuredFieldMap } from "../field-map.ts"
import { publishRecords, readText } from "../request.ts"
import { decodeIngestBody, MalformedBody } from "./decode.ts"

/**
 * LogFlow's own ingest API, `POST /api/v1/logs`: one JSON record, a JSON array or NDJSON (gzip
 * or deflate too). Answers after the accepted records are committed with `{accepted, rejected,
 * errors}`; a malformed line rejects that line, not the batch; 400 only when no line could be
 * stored.
 */
export const nativeIngestRoutes = (run: RunEffect<LogBus | Users | ApiKeys>, config: Config, telemetry: TelemetryInstruments) => {
  const checkDiskSpace = makeDiskGuard(config.DATA_DIR, config.DISK_MIN_FREE_MB * 1024 * 1024)
  const fields = configuredFieldMap(config)
  return new Elysia({ name: "routes/ingest-native", prefix: "/api/v1/logs" })
    .use(errors)
    .use(authPlugin(run, config, telemetry))
    .post(
      "",
      async ({ request, set }) => {
        checkDiskSpace()
        const body = await readText(request, config.INGEST_MAX_BODY_BYTES)
        if (body.trim() === "") throw new InvalidInput({ field: "body", reason: "is empty; send a JSON record, a JSON array or NDJSON" })
        let batch: ReturnType<typeof decodeIngestBody>
        try {
          batch = decodeIngestBody(body, request.headers.get("content-type"), Date.now(), fields, config.ATTRIBUTES_PER_RECORD)
        } catch (e) {
          if (e instanceof MalformedBody) throw new InvalidInput({ field: "body", reason: e.message })
          throw e
        }
        if (batch.records.length === 0 && batch.rejected === 0) throw new InvalidInput({ field: "body", reason: "holds no records" })
        if (batch.records.length === 0) {
          telemetry.ingestRecords.inc({ protocol: "json", result: "rejected" }, batch.rejected)
          set.status = 400
          const first = batch.errors[0]!
          const requestId = String(set.headers["x-request-id"] ?? "")
          return {
            ...errorBody(requestId, "invalid_input", `line ${first.line}: ${first.message}`),
            accepted: 0,
            rejected: batch.rejected,
            errors: batch.errors
          }
        }
        await publishRecords(run, telemetry, "json", batch.records, batch.rejected)
        return { accepted: batch.records.length, rejected: batch.rejected, errors: batch.errors }
      },
      { parse: "none", access: "ingest", detail: ingestDocs }
    )
}
