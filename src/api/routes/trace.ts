import { Effect, FiberRef } from "effect"
import { Elysia } from "elysia"
import { z } from "zod"
import type { ApiKeys } from "../../accounts/api-keys.ts"
import type { Users } from "../../accounts/users.ts"
import type { Config } from "../../config.ts"
import { normalise } from "../../domain/normalise.ts"
import { InvalidInput } from "../../domain/errors.ts"
import { LogBus } from "../../ports/log-bus.ts"
import { CurrentRequest } from "../../telemetry/request-context.ts"
import type { TelemetryInstruments } from "../../ports/telemetry.ts"
import { authPlugin } from "../plugins/auth.ts"
import { errors } from "../plugins/errors.ts"
import type { RunEffect } from "../run-effect.ts"

/** The request-tracing endpoints: the logs of one trace or correlation id. */

/**
 * Headers whose values the debug view shows; every other header is listed by name only, since
 * shippers and proxies carry credentials under names no list of secrets can foresee.
 */
const SHOWN_HEADERS = new Set([
  "accept",
  "accept-encoding",
  "accept-language",
  "cache-control",
  "content-encoding",
  "content-length",
  "content-type",
  "host",
  "traceparent",
  "tracestate",
  "user-agent",
  "x-correlation-id",
  "x-forwarded-for",
  "x-forwarded-proto",
  "x-request-id"
])
/** Query parameters whose values are withheld: anything named like a credential. */
const SECRET_PARAM = /pass|secret|token|key|auth|cred|sig|session|cookie/i

const shownHeaders = (headers: Headers) => Object.fromEntries([...headers].map(([name, value]) => [name, SHOWN_HEADERS.has(name) ? value : "[redacted]"]))
const shownParams = (query: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(query).map(([name, value]) => [name, SECRET_PARAM.test(name) ? "[redacted]" : value]))

/** Every request has ids (the request-id plugin is global), so their absence is a bug. */
const currentIds = Effect.flatMap(FiberRef.get(CurrentRequest), (ids) => (ids ? Effect.succeed(ids) : Effect.dieMessage("no request context")))

const TraceEvent = z.object({
  event: z.string().min(1).max(200).describe("What happened, e.g. payment_processed"),
  level: z.string().max(16).optional().describe("Level of the recorded log line; default INFO"),
  details: z.record(z.string(), z.unknown()).optional().describe("Attributes stored with the event")
})

export const traceRoutes = (run: RunEffect<LogBus | Users | ApiKeys>, config: Config, telemetry: TelemetryInstruments) =>
  new Elysia({ name: "routes/trace", prefix: "/api/v1/trace" })
    .use(errors)
    .use(authPlugin(run, config, telemetry))
    .get(
      "/context",
      () =>
        run(
          Effect.map(currentIds, (ids) => ({
            request_id: ids.request_id,
            correlation_id: ids.correlation_id,
            trace_id: ids.trace_id,
            span_id: ids.span_id,
            timestamp: new Date().toISOString()
          }))
        ),
      { detail: { summary: "This request's ids", tags: ["trace"] } }
    )
    .get(
      "/debug",
      ({ request, query, account }) =>
        run(
          Effect.map(currentIds, (ids) => ({
            request_id: ids.request_id,
            correlation_id: ids.correlation_id,
            trace_id: ids.trace_id,
            method: request.method,
            path: new URL(request.url).pathname,
            headers: shownHeaders(request.headers),
            query_params: shownParams(query),
            timestamp: new Date().toISOString(),
            user: account.username
          }))
        ),
      {
        auth: "admin",
        detail: {
          summary: "This request as the server saw it: header values only for common non-secret headers, credential-like query values withheld (admin)",
          tags: ["trace"]
        }
      }
    )
    .post(
      "/log",
      ({ body }) =>
        run(
          Effect.gen(function* () {
            const ids = yield* currentIds
            const result = normalise(
              {
                service: "logflow",
                level: body.level ?? "INFO",
                message: `trace event: ${body.event}`,
                correlation_id: ids.correlation_id,
                trace_id: ids.trace_id,
                attributes: { event: body.event, request_id: ids.request_id, ...body.details }
              },
              Date.now()
            )
            if (!result.ok) return yield* new InvalidInput({ field: "details", reason: result.error })
            yield* Effect.flatMap(LogBus, (bus) => bus.publish([result.record]))
            yield* Effect.logInfo(`trace event ${body.event}`)
            return { logged: true, id: result.record.id, request_id: ids.request_id, correlation_id: ids.correlation_id, trace_id: ids.trace_id }
          })
        ),
      {
        body: TraceEvent,
        access: "ingest",
        detail: { summary: "Record a custom trace event as a log of service 'logflow', searchable by correlation_id", tags: ["trace"] }
      }
    )
