import { ApiError, authHeaders, session } from "./api.ts"

/**
 * Server-Sent Events over fetch rather than EventSource: EventSource cannot send the
 * Authorization header. Calls `onEvent` per event until the stream ends or `signal` aborts.
 */
export const streamEvents = async (url: string, signal: AbortSignal, onEvent: (event: string, data: string) => void) => {
  const response = await fetch(url, { headers: { accept: "text/event-stream", ...authHeaders() }, signal })
  if (!response.ok || !response.body) {
    // An expired or revoked token: back to the login form, as for every other call.
    if (response.status === 401 && session.token() !== null) session.clear()
    let message = `${response.status} ${response.statusText}`
    try {
      const body = (await response.json()) as { message?: string }
      if (body.message) message = body.message
    } catch {
      // keep the status line
    }
    throw new ApiError(response.status, message)
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ""
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return
    buffer += value
    // Events end with a blank line; a partial event stays in the buffer for the next chunk.
    let end: number
    while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, "")
      let event = "message"
      const data: string[] = []
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith("event:")) event = line.slice(6).trim()
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""))
      }
      if (data.length) onEvent(event, data.join("\n"))
    }
  }
}
