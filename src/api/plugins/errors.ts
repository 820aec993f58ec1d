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

/** What went wrong, before it is written in the shape the client expects. */
export interface Failure {
  readonly status: number
  readonly code: string
  readonly message: string
  readonly details?: unknown
  readonly requestId: string
  readonly request: Request
  /** The error thrown, for a renderer that knows more about its own errors. */
  readonly error: unknown
}

/** An API whose clients expect their own error body (the Elasticsearch-compatible one) renders failures itself. */
export type ErrorRenderer = (failure: Failure) => { readonly status: number; readonly body: unknown; readonly headers?: Record<string, string> }

const renderers = new WeakMap<Request, ErrorRenderer>()

/** Called by such an API when a request reaches it (in `onRequest`): this request's failures are rendered by `render`. */
export const renderErrorsWith = (request: Request, render: ErrorRenderer) => {
  renderers.set(request, render)
}

/** The renderer an API registered for this request, for a plugin that answers a refusal itself (the rate limit). */
export const rendererFor = (request: Request): ErrorRenderer | undefined => renderers.get(request)

type Classified = Omit<Failure, "requestId" | "request" | "error"> & { readonly retryAfterSeconds?: number; readonly headers?: Record<string, string> }

const classify = (code: string, error: unknown, request: Request, requestId: string): Classified => {
  switch (code) {
    case "VALIDATION":
      return { status: 400, code: "invalid_input", ...describeValidation(error as never) }
    case "NOT_FOUND":
      return { status: 404, code: "not_found", message: `no route for ${request.method} ${new URL(request.url).pathname}` }
    case "PARSE":
      return { status: 400, code: "malformed_body", message: "the request body could not be parsed" }
    default:
      if (isHttpFailure(error)) {
        if (error.status >= 500) logServerError(requestId, error.message)
        return {
          status: error.status,
          code: error.code,
          message: error.publicMessage ?? error.message,
          details: error.details,
          ...(error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds }),
          ...(error.headers === undefined ? {} : { headers: error.headers })
        }
      }
      // Bun refuses a body past the server's maxRequestBodySize itself: that is the client's error.
      if (error instanceof Error && error.message.includes("maxRequestBodySize"))
        return { status: 413, code: "payload_too_large", message: "request body is larger than the server accepts; split it" }
      logServerError(requestId, `unhandled error: ${String(error)}`)
      return { status: 500, code: "internal_error", message: "internal server error" }
  }
}

export const errors = new Elysia({ name: "errors" }).use(requestIds).onError({ as: "global" }, ({ code, error, set, request }) => {
  const requestId = String(set.headers["x-request-id"] ?? "")
  const failure = classify(String(code), error, request, requestId)
  if (failure.retryAfterSeconds !== undefined) set.headers["retry-after"] = String(failure.retryAfterSeconds)
  Object.assign(set.headers, failure.headers)
  const render = renderers.get(request)
  if (render) {
    const rendered = render({ ...failure, requestId, request, error })
    set.status = rendered.status
    Object.assign(set.headers, rendered.headers)
    return rendered.body
  }
  set.status = failure.status
  return errorBody(requestId, failure.code, failure.message, failure.details)
})
