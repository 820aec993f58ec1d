import { Effect, Exit, Option, Scope } from "effect"
import { Elysia, sse } from "elysia"
import { z } from "zod"
import { Pipeline } from "../../../pipelines/build.ts"
import type { ApiKeys } from "../../accounts/api-keys.ts"
import type { Users } from "../../accounts/users.ts"
import type { Config } from "../../config.ts"
import { toJson } from "../../domain/log-record.ts"
import { recordMatcher } from "../../domain/record-matcher.ts"
import type { TelemetryInstruments } from "../../telemetry/prometheus.ts"
import { authPlugin } from "../plugins/auth.ts"
import { errors } from "../plugins/errors.ts"
import type { RunEffect } from "../run-effect.ts"
import { SearchParams, toSearchRequest } from "./logs.ts"

/**
 * Live tail as Server-Sent Events: `log` events for committed records matching the query
 * (same parameters as search), a `missed` event with the count when this subscriber fell
 * behind its buffer (ingest never waits for it), and a `heartbeat` every 15 s of silence.
 */

class TooManyTails extends Error {
  readonly status = 429
  readonly code = "too_many_tails"
  readonly retryAfterSeconds = 5
}

const TailParams = SearchParams.pick({ query: true, service: true, level: true, correlation_id: true, trace_id: true })

export const tailRoutes = (run: RunEffect<Pipeline | Users | ApiKeys>, config: Config, telemetry: TelemetryInstruments) => {
  const open = new Map<string, number>()
  return new Elysia({ name: "routes/tail" })
    .use(errors)
    .use(authPlugin(run, config, telemetry))
    .get("/api/v1/logs/tail", async function*({ query, principal, request, server }) {
      const filter = await run(toSearchRequest({ ...query, limit: 1 }, Date.now()))
      const hub = await run(Effect.map(Pipeline, (p) => Option.fromNullable(p.tail)).pipe(Effect.flatMap(Effect.orDieWith(() => new Error("no tail hub in this process")))))
      const client = principal ? `user:${principal.user.id}` : `ip:${server?.requestIP(request)?.address ?? "unknown"}`
      if ((open.get(client) ?? 0) >= config.TAIL_MAX_PER_CLIENT) {
        throw new TooManyTails(`at most ${config.TAIL_MAX_PER_CLIENT} live tails at once per client; close one first`)
      }
      open.set(client, (open.get(client) ?? 0) + 1)
      const scope = await run(Scope.make())
      try {
        const subscription = await run(hub.subscribe(recordMatcher(filter)).pipe(Scope.extend(scope)))
        yield sse({ event: "ready", data: { buffer: config.TAIL_SUBSCRIBER_BUFFER } })
        for (;;) {
          const next = await run(subscription.next.pipe(Effect.timeoutOption("15 seconds")))
          if (Option.isNone(next)) {
            yield sse({ event: "heartbeat", data: {} })
            continue
          }
          if (next.value.missed > 0) yield sse({ event: "missed", data: { missed: next.value.missed } })
          for (const record of next.value.records) yield sse({ event: "log", id: record.id, data: toJson(record) })
        }
      } finally {
        open.set(client, (open.get(client) ?? 1) - 1)
        await run(Scope.close(scope, Exit.void))
      }
    }, {
      query: TailParams,
      access: "read",
      detail: { summary: "Live tail (Server-Sent Events): matching records within a second of ingest", tags: ["logs"] }
    })
}
