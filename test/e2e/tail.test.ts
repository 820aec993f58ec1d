import { describe, expect, test } from "bun:test"
import { useServer } from "../support/server-process.ts"

const server = useServer(() => ({ env: { TAIL_MAX_PER_CLIENT: "2" } }))

/** Reads SSE events from a live tail as they come. */
const openTail = async (query: string) => {
  const response = await fetch(`${server().url}/api/v1/logs/tail?${query}`)
  if (response.status !== 200) return { response, next: async () => undefined, close: async () => {} }
  const reader = response.body!.getReader()
  const decoder = new TextDecoder()
  let buffer = ""
  const next = async (): Promise<{ event: string; data: any } | undefined> => {
    for (;;) {
      const end = buffer.indexOf("\n\n")
      if (end >= 0) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        const event = /^event: (.*)$/m.exec(block)?.[1] ?? "message"
        const data = /^data: (.*)$/m.exec(block)?.[1]
        return { event, data: data ? JSON.parse(data) : undefined }
      }
      const { value, done } = await reader.read()
      if (done) return undefined
      buffer += decoder.decode(value)
    }
  }
  return { response, next, close: () => reader.cancel() }
}

const ingest = (records: unknown[]) => fetch(`${server().url}/api/v1/logs`, { method: "POST", body: JSON.stringify(records) })

describe("live tail", () => {
  test("matching records arrive as they are ingested; others do not", async () => {
    const tail = await openTail("query=boom&service=api")
    expect(tail.response.headers.get("content-type")).toContain("text/event-stream")
    expect((await tail.next())?.event).toBe("ready")
    await ingest([
      { service: "api", message: "quiet line" },
      { service: "web", message: "boom elsewhere" },
      { service: "api", level: "error", message: "boom here" }
    ])
    const event = await tail.next()
    expect(event).toMatchObject({ event: "log", data: { service: "api", level: "ERROR", message: "boom here" } })
    await tail.close()
  })

  test("each client may hold a limited number of tails; a closed tail frees its place", async () => {
    const first = await openTail("service=limits")
    const second = await openTail("service=limits")
    await first.next()
    await second.next()
    const third = await fetch(`${server().url}/api/v1/logs/tail?service=limits`)
    expect(third.status).toBe(429)
    expect((await third.json()).error).toBe("too_many_tails")

    await first.close()
    // The server notices the departure the next time it has something to send.
    await ingest([{ service: "limits", message: "wake up" }])
    await second.next()
    let reopened = await openTail("service=limits")
    for (let i = 0; i < 20 && reopened.response.status === 429; i++) {
      await Bun.sleep(100)
      reopened = await openTail("service=limits")
    }
    expect(reopened.response.status).toBe(200)
    await Promise.all([second.close(), reopened.close()])
  })

  test("an invalid query is a 400 before any stream starts", async () => {
    const response = await fetch(`${server().url}/api/v1/logs/tail?query=(unclosed`)
    expect(response.status).toBe(400)
    expect((await response.json()).message.startsWith("query:")).toBe(true)
  })
})

describe("live tail over WebSocket", () => {
  test("the same events as JSON messages", async () => {
    let socket!: WebSocket
    let messages: Array<{ event: string; data: any }> = []
    const waitFor = async (...events: string[]) => {
      for (let i = 0; i < 50 && !messages.some((m) => events.includes(m.event)); i++) await Bun.sleep(50)
      return messages.find((m) => events.includes(m.event))
    }
    // Tails closed by the previous test give their places back when next they have a line to
    // send: a line for them, then the socket, again until the server has a place for it.
    for (let attempt = 0; ; attempt++) {
      await ingest([{ service: "limits", message: "flush" }])
      const opened = new WebSocket(`${server().url.replace("http", "ws")}/api/v1/logs/tail/ws?query=wsboom`)
      const received: Array<{ event: string; data: any }> = []
      opened.onmessage = (e) => received.push(JSON.parse(String(e.data)))
      ;[socket, messages] = [opened, received]
      const first = await waitFor("ready", "error")
      if (first?.event === "ready") break
      opened.close()
      if (attempt === 20) throw new Error(`no place for the tail: ${JSON.stringify(first)}`)
    }
    await ingest([
      { service: "ws", message: "no match" },
      { service: "ws", message: "wsboom over websocket" }
    ])
    expect((await waitFor("log"))?.data).toMatchObject({ service: "ws", message: "wsboom over websocket" })
    expect(messages.filter((m) => m.event === "log").length).toBe(1)
    socket.close()
  })
})
