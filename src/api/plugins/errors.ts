import { Elysia } from "elysia"
import { writeLogLine } from "../../log-line.ts"
import { requestScope } from "../../telemetry/request-context.ts"
import { requestIds } from "./request-id.ts"

/**
 * The one place errors become responses: `{error, message, details?, request_id}`.
 * Errors that know their HTTP status carry `status` and a snake_case `code`; Elysia's schema
 * validation failures become 400 naming the parameter; anything else is a 500 whose details
 * stay in the server log.
 */

export interface HttpFailure {
  readonly status: number
  readonly code: string
  readonly message: string
  readonly retryAfterSeconds?: number
  readonly headers?: Record<string, string>
  readonly details?: unknown
  /** Shown to the client instead of `message` when that holds internal detail. */
  readonly publicMessage?: string
}

export const isHttpFailure = (e: unknown): e is HttpFailure =>
  typeof e === "object" && e !== null && typeof (e as HttpFailure).status === "number" && typeof (e as HttpFailure).code === "string"

/** `limit: Too big: expected number to be <=1000` from Elysia's zod validation error. */
const describeValidation = (error: { all?: ReadonlyArray<{ path?: unknown; message?: string }>; type?: string }) => {
  const issues = (error.all ?? []).map((issue) => {
    const path = Array.isArray(issue.path)
      ? issue.path.join(".")
      : String(issue.path ?? "")
          .replace(/^\//, "")
          .replaceAll("/", ".")
    return { field: path || error.type || "request", message: issue.message ?? "is invalid" }
  })
  const first = issues[0]
  return { message: first ? `${first.field}: ${first.message}` : "request is invalid", details: issues }
}

/** The detail of a server-side failure goes to the log (with the request's ids), not to the client. */
const logServerError = (requestId: string, message: string) => {
  const ids = requestScope.getStore()
  writeLogLine("ERROR", message, { request_id: requestId, correlation_id: ids?.correlation_id, trace_id: ids?.trace_id })
}

export const errorBody = (requestId: string, code: string, message: string, details?: unknown) => ({
  error: code,
  message,
  ...(details === undefined ? {} : { details }),
  request_id: requestId
})

export const errors = new Elysia({ name: "errors" }).use(requestIds).onError({ as: "global" }, ({ code, error, set, request }) => {
  const requestId = String(set.headers["x-request-id"] ?? "")
  switch (code) {
    case "VALIDATION": {
      set.status = 400
      const { message, details } = describeValidation(error as never)
      return errorBody(requestId, "invalid_input", message, details)
    }
    case "NOT_FOUND":
      set.status = 404
      return errorBody(requestId, "not_found", `no route for ${request.method} ${new URL(request.url).pathname}`)
    case "PARSE":
      set.status = 400
      return errorBody(requestId, "malformed_body", "the request body could not be parsed")
    default:
      if (isHttpFailure(error)) {
        set.status = error.status
        if (error.retryAfterSeconds !== undefined) set.headers["retry-after"] = String(error.retryAfterSeconds)
        Object.assign(set.headers, error.headers)
        if (error.status >= 500) logServerError(requestId, error.message)
        return errorBody(requestId, error.code, error.publicMessage ?? error.message, error.details)
      }
      // Bun refuses a body past the server's maxRequestBodySize itself: that is the client's error.
      if (error instanceof Error && error.message.includes("maxRequestBodySize")) {
        set.status = 413
        return errorBody(requestId, "payload_too_large", "request body is larger than the server accepts; split it")
      }
      set.status = 500
      logServerError(requestId, `unhandled error: ${String(error)}`)
      return errorBody(requestId, "internal_error", "internal server error")
  }
})
