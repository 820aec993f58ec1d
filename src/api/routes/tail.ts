import { Elysia, sse } from "elysia"
import type { z } from "zod"
import type { ApiKeys } from "../../accounts/api-keys.ts"
import type { Pipeline } from "../../ports/pipeline.ts"
import type { Principal } from "../../accounts/user.ts"
import type { Users } from "../../accounts/users.ts"
import type { Config } from "../../config.ts"
import { toJson } from "../../domain/log-record.ts"
import type { TelemetryInstruments } from "../../ports/telemetry.ts"
import { authPlugin } from "../plugins/auth.ts"
import { clientAddress } from "../plugins/rate-limit.ts"
import { errors } from "../plugins/errors.ts"
import type { RunEffect } from "../run-effect.ts"
import { queryLimits } from "./logs.ts"
import { makeTailSessions, TailParams } from "./tail-sessions.ts"

/**
 * Live tail as Server-Sent Events (and over WebSocket): `log` events for committed records matching the query
 * (same parameters as search), a `missed` event with the count when this subscriber fell
 * behind its buffer (ingest never waits for it), and a `heartbeat` every 15 s of silence.
 */

export const tailRoutes = (run: RunEffect<Pipeline | Users | ApiKeys>, config: Config, telemetry: TelemetryInstruments) => {
  const sessions = makeTailSessions(run, config.TAIL_MAX_PER_CLIENT, config.TAIL_MATCH_BYTES, queryLimits(config))
  const clientOf: ClientOf = (principal, address) => (principal ? `user:${principal.user.id}` : `ip:${address}`)
  const sockets = new Map<string, { closed: boolean }>()

  return (
    new Elysia({ name: "routes/tail" })
      .use(errors)
      .use(authPlugin(run, config, telemetry))
      .get(
        "/api/v1/logs/tail",
        async function* ({ query, principal, request, server }) {
          const tail = await sessions.start(query, clientOf(principal, clientAddress(request, server, config.TRUST_PROXY)))
          try {
            yield sse({ event: "ready", data: { buffer: config.TAIL_SUBSCRIBER_BUFFER } })
            for (;;) {
              const next = await tail.next()
              if (next === undefined) {
                yield sse({ event: "heartbeat", data: {} })
                continue
              }
              if (next.missed > 0) yield sse({ event: "missed", data: { missed: next.missed } })
              for (const record of next.records) yield sse({ event: "log", id: record.id, data: toJson(record) })
            }
          } finally {
            await tail.close()
          }
        },
        {
          query: TailParams,
          access: "read",
          detail: { summary: "Live tail (Server-Sent Events): matching records within a second of ingest", tags: ["logs"] }
        }
      )
      // The same over WebSocket: one JSON message per event, {event, data}.
      .ws("/api/v1/logs/tail/ws", {
        query: TailParams,
        access: "read",
        open: openSocketTail(sessions, config, clientOf, sockets),
        close(ws) {
          // open() sees this, stops and gives the tail's place back.
          const state = sockets.get(ws.id)
          if (state) state.closed = true
        },
        message() {}
      })
  )
}

type TailSessions = ReturnType<typeof makeTailSessions>
type ClientOf = (principal: Principal | undefined, address: string) => string
/** What the WebSocket handler uses of Elysia's socket. */
interface TailSocket {
  readonly id: string
  readonly data: unknown
  readonly remoteAddress: string
  send(message: string): unknown
  close(code?: number, reason?: string): unknown
}

/** A WebSocket tail: one JSON message per event, {event, data}, until the socket closes. */
const openSocketTail = (sessions: TailSessions, config: Config, clientOf: ClientOf, sockets: Map<string, { closed: boolean }>) => async (ws: TailSocket) => {
  const { query, principal, request } = ws.data as unknown as { query: z.infer<typeof TailParams>; principal: Principal | undefined; request: Request }
  const send = (event: string, data: unknown) => ws.send(JSON.stringify({ event, data }))
  // Registered before any await, so a client that leaves early is still noticed.
  const state = { closed: false }
  sockets.set(ws.id, state)
  let tail: Awaited<ReturnType<typeof sessions.start>>
  try {
    const address = config.TRUST_PROXY && request ? clientAddress(request, null, true) : ws.remoteAddress
    tail = await sessions.start(query, clientOf(principal, address))
  } catch (e) {
    const status = (e as { status?: number }).status ?? 500
    send("error", { message: status < 500 ? (e as Error).message : "the live tail could not start" })
    ws.close(1008, "refused")
    sockets.delete(ws.id)
    return
  }
  try {
    if (!state.closed) send("ready", { buffer: config.TAIL_SUBSCRIBER_BUFFER })
    while (!state.closed) {
      const next = await tail.next()
      if (state.closed) break
      if (next === undefined) {
        send("heartbeat", {})
        continue
      }
      if (next.missed > 0) send("missed", { missed: next.missed })
      for (const record of next.records) send("log", toJson(record))
    }
  } catch (e) {
    if (!state.closed) throw e
  } finally {
    sockets.delete(ws.id)
    await tail.close()
  }
}
