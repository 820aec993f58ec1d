import { Elysia } from "elysia"
import type { TelemetryInstruments } from "../../ports/telemetry.ts"

/**
 * Counts and times every request by method, route template (`/api/v1/logs/:id`, never the raw
 * path, so ids cannot explode the label set) and status; unmatched paths share one label.
 */
export const httpMetrics = (telemetry: TelemetryInstruments) =>
  new Elysia({ name: "http-metrics" })
    .derive({ as: "global" }, () => ({ startedAt: performance.now() }))
    .onAfterResponse({ as: "global" }, (context) => {
      const { request, set } = context
      const endpoint = (context as { route?: string }).route ?? "unmatched"
      const status = typeof set.status === "number" ? set.status : 200
      telemetry.httpRequests.inc({ method: request.method, endpoint, status: String(status) })
      const startedAt = (context as { startedAt?: number }).startedAt
      if (startedAt !== undefined) telemetry.httpDuration.observe({ method: request.method, endpoint }, (performance.now() - startedAt) / 1000)
    })
