import { Effect } from "effect"
import { Elysia } from "elysia"
import { z } from "zod"
import { InvalidInput } from "../../domain/errors.ts"
import type { ApiKeys } from "../../accounts/api-keys.ts"
import type { Users } from "../../accounts/users.ts"
import type { Config } from "../../config.ts"
import { listPatterns } from "../../patterns/list.ts"
import type { PatternStore } from "../../ports/pattern-store.ts"
import type { RateLimiter } from "../../ports/rate-limiter.ts"
import type { TelemetryInstruments } from "../../ports/telemetry.ts"
import { authPlugin } from "../plugins/auth.ts"
import { errors } from "../plugins/errors.ts"
import { rateLimitPlugin } from "../plugins/rate-limit.ts"
import { levelsParam, timeParam } from "../query-params.ts"
import type { RunEffect } from "../run-effect.ts"

/** `GET /api/v1/logs/patterns`: the log patterns learned as records are indexed (src/patterns/list.ts). */

const PatternParams = z.object({
  service: z.string().min(1).max(256).optional().describe("Only this service's patterns"),
  level: z.string().max(256).optional().describe("Only records of these levels count, comma-separated (TRACE DEBUG INFO WARN ERROR FATAL)"),
  from: z.string().max(64).optional().describe("Oldest event time (default: an hour before `to`): ISO-8601, epoch ms, or relative like now-15m"),
  to: z.string().max(64).optional().describe("Newest event time (default: now), same forms as from"),
  query: z.string().max(512).optional().describe("Words every listed template contains"),
  limit: z.coerce.number().int().min(1).max(1000).default(50).describe("Patterns listed, most frequent first; at most 1000"),
  per_service: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .optional()
    .describe("At most this many patterns of each service (the top of each, for a page of services), within `limit` in all")
})

/** Longest range asked of the per-minute counts: a year. */
const MAX_RANGE_MS = 366 * 86_400_000

const toRequest = (params: z.infer<typeof PatternParams>) =>
  Effect.gen(function* () {
    const now = Date.now()
    const levels = yield* levelsParam(params.level)
    const to = (yield* timeParam("to", params.to, now)) ?? now
    const from = (yield* timeParam("from", params.from, now)) ?? to - 3_600_000
    if (from > to) return yield* new InvalidInput({ field: "from", reason: "must not be after 'to'" })
    if (to - from > MAX_RANGE_MS) return yield* new InvalidInput({ field: "from", reason: "the range is longer than 366 days" })
    return {
      levels,
      from,
      to,
      limit: params.limit,
      ...(params.per_service !== undefined ? { perService: params.per_service } : {}),
      ...(params.service !== undefined ? { service: params.service } : {}),
      ...(params.query !== undefined ? { query: params.query } : {})
    }
  })

export const patternRoutes = (run: RunEffect<PatternStore | Users | ApiKeys | RateLimiter>, config: Config, telemetry: TelemetryInstruments) =>
  new Elysia({ name: "routes/patterns", prefix: "/api/v1/logs" })
    .use(errors)
    .use(authPlugin(run, config, telemetry))
    .use(rateLimitPlugin(run, config, telemetry))
    .get("/patterns", ({ query }) => run(toRequest(query).pipe(Effect.flatMap(listPatterns))), {
      query: PatternParams,
      access: "read",
      rateLimit: "search",
      detail: {
        summary: "Log patterns: messages clustered into templates, with counts over a range",
        description:
          "Templates learned as records are indexed (variable parts as `<*>` or typed: `<NUM>`, `<DURATION>`, `<IP>`, `<UUID>`, `<HEX>`, `<PATH>`, `<ID>`, `<TIME>`), most frequent first. " +
          "Returns `{from, to, interval_ms, total, patterns:[{id, service, template, count, first_seen, last_seen, levels, sample_id, search, series:[{timestamp, count}]}]}`; " +
          "`count`, `levels` and `series` cover the range, `first_seen`/`last_seen` the template's whole history, and `search` is a query for /api/v1/logs/search that finds the template's records.",
        tags: ["logs"]
      }
    })
