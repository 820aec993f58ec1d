import { createHash, timingSafeEqual } from "node:crypto"
import { Elysia } from "elysia"
import type { Config } from "../../config.ts"
import type { TelemetryInstruments } from "../../ports/telemetry.ts"
import { Unauthorized } from "../plugins/auth.ts"
import { errors } from "../plugins/errors.ts"

/** Compares digests, so the time taken says nothing about how much of the token was right. */
const sameSecret = (given: string, expected: string) =>
  timingSafeEqual(createHash("sha256").update(given).digest(), createHash("sha256").update(expected).digest())

/** `GET /metrics` in Prometheus text format; behind `Authorization: Bearer $METRICS_TOKEN` when that is set. */
export const prometheusRoutes = (telemetry: TelemetryInstruments, config: Config) =>
  new Elysia({ name: "routes/prometheus" }).use(errors).get(
    "/metrics",
    async ({ headers, set }) => {
      if (config.METRICS_TOKEN !== undefined && !sameSecret(headers.authorization ?? "", `Bearer ${config.METRICS_TOKEN}`)) {
        throw new Unauthorized({ message: "this /metrics needs 'Authorization: Bearer <METRICS_TOKEN>'" })
      }
      set.headers["content-type"] = telemetry.registry.contentType
      return telemetry.registry.metrics()
    },
    { detail: { summary: "Prometheus metrics (text exposition format)", tags: ["system"] } }
  )
