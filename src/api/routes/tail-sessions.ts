import { Data, Effect, Exit, Option, Scope } from "effect"
import type { z } from "zod"
import type { LogRecord } from "../../domain/log-record.ts"
import type { QueryLimits } from "../../domain/query-cost.ts"
import { recordMatcher } from "../../domain/record-matcher.ts"
import { Pipeline } from "../../ports/pipeline.ts"
import type { RunEffect } from "../run-effect.ts"
import { SearchParams, toSearchRequest } from "./logs.ts"

/**
 * Live-tail sessions, whatever carries them (SSE or WebSocket): each validates its query,
 * takes one of its client's places (at most `maxPerClient` at once) and subscribes to the
 * pipeline's tail hub; `close` gives both back.
 */

/** What a live tail may filter on: the search parameters without paging. */
export const TailParams = SearchParams.pick({ query: true, service: true, level: true, correlation_id: true, trace_id: true })

export class TooManyTails extends Data.TaggedError("TooManyTails")<{ readonly max: number }> {
  readonly status = 429
  readonly code = "too_many_tails"
  readonly retryAfterSeconds = 5
  override get message() {
    return `at most ${this.max} live tails at once per client; close one first`
  }
}

export const makeTailSessions = (run: RunEffect<Pipeline>, maxPerClient: number, matchBytes: number, limits: QueryLimits) => {
  const open = new Map<string, number>()

  /** A subscription of `client` to the records `matches` accepts (the Loki tail brings its own matcher). */
  const subscribe = async (matches: (record: LogRecord) => boolean, client: string) => {
    const hub = await run(
      Effect.map(Pipeline, (p) => Option.fromNullable(p.tail)).pipe(Effect.flatMap(Effect.orDieWith(() => new Error("no tail hub in this process"))))
    )
    if ((open.get(client) ?? 0) >= maxPerClient) throw new TooManyTails({ max: maxPerClient })
    open.set(client, (open.get(client) ?? 0) + 1)
    const scope = await run(Scope.make())
    const subscription = await run(hub.subscribe(matches).pipe(Scope.extend(scope)))
    return {
      /** The next records (or undefined after 15 s of silence). */
      next: async () => Option.getOrUndefined(await run(subscription.next.pipe(Effect.timeoutOption("15 seconds")))),
      close: async () => {
        const left = (open.get(client) ?? 1) - 1
        if (left > 0) open.set(client, left)
        else open.delete(client)
        await run(Scope.close(scope, Exit.void))
      }
    }
  }

  const start = async (query: z.infer<typeof TailParams>, client: string) => {
    const filter = await run(toSearchRequest({ ...query, limit: 1 }, Date.now(), limits))
    return subscribe(recordMatcher(filter, matchBytes), client)
  }
  return { start, subscribe }
}
