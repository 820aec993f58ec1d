/**
 * The console's one way to call the API: JSON in and out, the session's bearer token on every
 * request, errors as ApiError carrying the server's message (which names the bad field).
 */

const TOKEN_KEY = "logflow.token"

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message)
  }
}

type Listener = () => void
const listeners = new Set<Listener>()

/** The access token lives in sessionStorage: gone with the tab, never sent to other origins. */
export const session = {
  token: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set(token: string) {
    sessionStorage.setItem(TOKEN_KEY, token)
    listeners.forEach((l) => l())
  },
  clear() {
    sessionStorage.removeItem(TOKEN_KEY)
    listeners.forEach((l) => l())
  },
  subscribe(listener: Listener) {
    listeners.add(listener)
    return () => void listeners.delete(listener)
  }
}

export const authHeaders = (): Record<string, string> => {
  const token = session.token()
  return token ? { authorization: `Bearer ${token}` } : {}
}

const messageOf = async (response: Response) => {
  try {
    const body = (await response.json()) as { message?: unknown }
    if (typeof body.message === "string") return body.message
  } catch {
    // not JSON: fall back to the status text
  }
  return `${response.status} ${response.statusText}`
}

export interface RequestOptions {
  readonly method?: "GET" | "POST" | "PUT" | "DELETE"
  readonly body?: unknown
  readonly signal?: AbortSignal
}

export const api = async <T>(path: string, options: RequestOptions = {}): Promise<T> => {
  const headers: Record<string, string> = { accept: "application/json", ...authHeaders() }
  if (options.body !== undefined) headers["content-type"] = "application/json"
  const response = await fetch(path, {
    method: options.method ?? "GET",
    headers,
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    ...(options.signal ? { signal: options.signal } : {})
  })
  if (response.status === 401 && session.token() !== null) {
    // An expired or revoked token: back to the login form.
    session.clear()
  }
  if (!response.ok) throw new ApiError(response.status, await messageOf(response))
  if (response.status === 204) return undefined as T
  return (await response.json()) as T
}

/** A query string from the parameters that have a value. */
export const qs = (params: Record<string, string | number | undefined | null>) => {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== "") search.set(key, String(value))
  const text = search.toString()
  return text ? `?${text}` : ""
}

export const isAbort = (e: unknown) => e instanceof DOMException && e.name === "AbortError"

export const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e))
