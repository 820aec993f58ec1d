import { json } from "./server-process.ts"

/** Logs in as the development admin (admin / admin123) and creates an API key with the `ingest` scope. */
export const createIngestKey = async (url: string): Promise<string> => {
  const login = await json(
    fetch(`${url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password: "admin123" })
    })
  )
  const created = await json(
    fetch(`${url}/api/v1/auth/api-keys`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${login.access_token}` },
      body: JSON.stringify({ name: "shipper", scopes: ["ingest"] })
    })
  )
  if (typeof created.key !== "string") throw new Error(`could not create an ingest key: ${JSON.stringify(created)}`)
  return created.key
}

/** Searches with a read-capable request (reads are open in development) and returns the logs. */
export const searchLogs = async (url: string, params: Record<string, string>): Promise<Array<any>> =>
  (await json(fetch(`${url}/api/v1/logs/search?${new URLSearchParams({ limit: "1000", ...params })}`))).logs

/** One sample of a counter from /metrics, 0 when absent. */
export const counterValue = async (url: string, name: string, labels: Record<string, string>): Promise<number> => {
  const text = await (await fetch(`${url}/metrics`)).text()
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`)
  for (const line of text.split("\n")) {
    if (wanted.length === 0 && line.startsWith(`${name} `)) return Number(line.slice(name.length + 1))
    if (!line.startsWith(`${name}{`)) continue
    const labelText = line.slice(name.length + 1, line.indexOf("}"))
    if (wanted.every((w) => labelText.split(",").includes(w))) return Number(line.slice(line.lastIndexOf(" ") + 1))
  }
  return 0
}

/** Polls `read` until `done` holds for its result or `timeoutMs` passes; returns the last result. */
export const eventually = async <A>(read: () => Promise<A>, done: (a: A) => boolean, timeoutMs = 15_000): Promise<A> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (done(value) || Date.now() > deadline) return value
    await Bun.sleep(100)
  }
}

/** An NDJSON body of at least `bytes`, streamed without a Content-Length (sent chunked). */
export const chunkedNdjson = (bytes: number): ReadableStream<Uint8Array> => {
  const line = new TextEncoder().encode(`${JSON.stringify({ service: "chunked", message: "x".repeat(1000) })}\n`)
  let sent = 0
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent > bytes) return controller.close()
      sent += line.byteLength
      controller.enqueue(line)
    }
  })
}
