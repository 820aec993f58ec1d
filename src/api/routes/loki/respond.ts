import { isHttpFailure } from "../../plugins/errors.ts"

/**
 * Loki answers a failed request with its status and the message as plain text (its
 * `WriteError`); Grafana shows that text as the query's error. LogFlow's own failures that know
 * their status (a LogQL error, a bad parameter, a store outage) are answered the same way here;
 * anything else goes on to the errors plugin (500, details in the server log).
 */

export const lokiText = (status: number, text: string, headers: Record<string, string> = {}) =>
  new Response(text, { status, headers: { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff", ...headers } })

export const lokiJson = (body: unknown) => new Response(JSON.stringify(body), { headers: { "content-type": "application/json; charset=utf-8" } })

export const lokiRespond = async (answer: () => Promise<unknown> | unknown): Promise<Response> => {
  try {
    const body = await answer()
    return body instanceof Response ? body : lokiJson(body)
  } catch (error) {
    if (isHttpFailure(error) && error.status < 500) {
      const headers: Record<string, string> = { ...error.headers }
      if (error.retryAfterSeconds !== undefined) headers["retry-after"] = String(error.retryAfterSeconds)
      return lokiText(error.status, error.publicMessage ?? error.message, headers)
    }
    throw error
  }
}
