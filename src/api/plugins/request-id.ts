import { Elysia } from "elysia"
import { isWellFormedCorrelationId, parseTraceparent, randomHex, requestScope } from "../../telemetry/request-context.ts"

/**
 * Every response carries `X-Request-ID` (new for each request) and `X-Correlation-ID` (the
 * caller's when well formed, else the request id), and continues the caller's W3C trace:
 * `traceparent` in, `traceparent` out with the same trace id. The ids follow the request into
 * Effect code and every log line it writes.
 */
export const requestIds = new Elysia({ name: "request-id" })
  .onRequest(({ request, set }) => {
    const request_id = crypto.randomUUID()
    const given = request.headers.get("x-correlation-id")
    const correlation_id = given !== null && isWellFormedCorrelationId(given) ? given : request_id
    const parent = parseTraceparent(request.headers.get("traceparent"))
    const trace_id = parent?.traceId ?? randomHex(16)
    const span_id = randomHex(8)
    const sampled = parent?.sampled ?? true
    set.headers["x-request-id"] = request_id
    set.headers["x-correlation-id"] = correlation_id
    set.headers.traceparent = `00-${trace_id}-${span_id}-${sampled ? "01" : "00"}`
    requestScope.enterWith({ request_id, correlation_id, trace_id, span_id, sampled })
  })
  .as("global")
