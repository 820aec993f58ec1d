import type { ErrorRenderer, Failure } from "../../api/plugins/errors.ts"
import { EsDslError } from "./errors.ts"

/**
 * Failures under the Elasticsearch-compatible API in Elasticsearch's own body,
 * `{error: {root_cause: [{type, reason}], type, reason}, status}`, which the official clients
 * decode (they refuse a body they cannot read as one). A path LogFlow does not serve is a 404
 * `no handler found`, and a served path asked with a method it does not take is a 405 listing
 * the methods it does, as Elasticsearch answers them.
 */

/** The endpoints served under the prefix and the methods each takes. */
const ENDPOINTS: ReadonlyArray<readonly [RegExp, ReadonlyArray<string>]> = [
  [/^(\/[^/_][^/]*)?\/_search$/, ["GET", "POST"]],
  [/^(\/[^/_][^/]*)?\/_msearch$/, ["GET", "POST"]],
  [/^(\/[^/_][^/]*)?\/_mapping$/, ["GET"]],
  [/^(\/[^/_][^/]*)?\/_field_caps$/, ["GET", "POST"]],
  [/^(\/[^/_][^/]*)?\/_bulk$/, ["POST", "PUT"]],
  [/^(\/[^/_][^/]*)?\/_(refresh|flush)$/, ["GET", "POST"]],
  [/^\/_cat\/indices(\/[^/]+)?$/, ["GET"]],
  [/^\/_resolve\/index\/[^/]+$/, ["GET"]],
  [/^\/_cluster\/health$/, ["GET"]]
]

const typeFor = (failure: Failure): string => {
  if (failure.error instanceof EsDslError) return failure.error.esType
  switch (failure.status) {
    case 400:
      return failure.code === "malformed_body" ? "x_content_parse_exception" : "illegal_argument_exception"
    case 401:
    case 403:
      return "security_exception"
    case 404:
      return "resource_not_found_exception"
    case 413:
      return "content_too_long_exception"
    case 429:
      return "es_rejected_execution_exception"
    default:
      return failure.status >= 500 ? "status_exception" : "exception"
  }
}

export const esErrorBody = (status: number, type: string, reason: string) => ({ error: { root_cause: [{ type, reason }], type, reason }, status })

export const esErrorRenderer =
  (prefix: string): ErrorRenderer =>
  (failure) => {
    const path = new URL(failure.request.url).pathname
    const method = failure.request.method
    if (failure.code === "not_found" && !(failure.error instanceof EsDslError)) {
      const local = path.startsWith(prefix) ? path.slice(prefix.length) : path
      const allowed = ENDPOINTS.find(([pattern]) => pattern.test(local))?.[1]
      if (allowed && !allowed.includes(method)) {
        const reason = `Incorrect HTTP method for uri [${path}] and method [${method}], allowed: [${allowed.join(", ")}]`
        return { status: 405, body: esErrorBody(405, "method_not_allowed_exception", reason), headers: { allow: allowed.join(",") } }
      }
      return { status: 404, body: esErrorBody(404, "resource_not_found_exception", `no handler found for uri [${path}] and method [${method}]`) }
    }
    return { status: failure.status, body: esErrorBody(failure.status, typeFor(failure), failure.message) }
  }
