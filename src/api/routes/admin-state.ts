import { Effect } from "effect"
import { Elysia } from "elysia"
import { z } from "zod"
import type { ApiKeys } from "../../accounts/api-keys.ts"
import type { Users } from "../../accounts/users.ts"
import type { Config } from "../../config.ts"
import { NotFound } from "../../domain/errors.ts"
import { Cache } from "../../ports/cache.ts"
import { describeRate, RateLimiter } from "../../ports/rate-limiter.ts"
import { authPlugin } from "../plugins/auth.ts"
import { errors } from "../plugins/errors.ts"
import { limitsFrom, rateLimitPlugin } from "../plugins/rate-limit.ts"
import type { TelemetryInstruments } from "../../ports/telemetry.ts"
import type { RunEffect } from "../run-effect.ts"

/** Cache and rate-limit management endpoints (admins only). */
export const adminStateRoutes = (run: RunEffect<Cache | RateLimiter | Users | ApiKeys>, config: Config, telemetry: TelemetryInstruments) => {
  const limits = limitsFrom(config)
  return new Elysia({ name: "routes/admin-state" })
    .use(errors)
    .use(authPlugin(run, config, telemetry))
    .use(rateLimitPlugin(run, config, telemetry))
    .get("/api/v1/cache/stats", () => run(Effect.flatMap(Cache, (cache) => cache.stats)), {
      access: "read",
      rateLimit: "metrics",
      detail: { summary: "Cache hits, misses, hit rate, keys, backend and memory", tags: ["cache"] }
    })
    .delete(
      "/api/v1/cache/clear",
      async ({ query }) => {
        const removed = await run(Effect.flatMap(Cache, (cache) => cache.clear(query.pattern)))
        return { pattern: query.pattern, removed }
      },
      {
        auth: "admin",
        query: z.object({ pattern: z.string().min(1).max(256).default("*").describe("Glob over keys: metrics:*, metrics:service:*…") }),
        detail: { summary: "Delete cached entries matching a pattern (admin)", tags: ["cache"] }
      }
    )
    .get(
      "/api/v1/rate-limits/status",
      () =>
        run(
          Effect.gen(function* () {
            const limiter = yield* RateLimiter
            return {
              enabled: config.RATE_LIMIT_ENABLED,
              backend: limiter.backend(),
              limits: Object.fromEntries(Object.entries(limits).map(([name, limit]) => [name, describeRate(limit)])),
              clients: yield* limiter.usage
            }
          })
        ),
      { auth: "admin", detail: { summary: "Configured limits and current usage per client (admin)", tags: ["rate limits"] } }
    )
    .delete(
      "/api/v1/rate-limits/reset/:id",
      async ({ params }) => {
        const found = await run(Effect.flatMap(RateLimiter, (limiter) => limiter.reset(params.id)))
        if (!found) throw new NotFound({ what: `rate-limit usage for '${params.id}'` })
        return { reset: params.id }
      },
      {
        auth: "admin",
        params: z.object({ id: z.string().min(1).max(300).describe("A client as listed in the status: ip:<address> or user:<id>") }),
        detail: { summary: "Forget one client's usage (admin)", tags: ["rate limits"] }
      }
    )
    .delete(
      "/api/v1/rate-limits/reset-all",
      async () => {
        await run(Effect.flatMap(RateLimiter, (limiter) => limiter.resetAll))
        return { reset: "all" }
      },
      { auth: "admin", detail: { summary: "Forget every client's usage (admin)", tags: ["rate limits"] } }
    )
}
