import { Effect } from "effect"
import { Elysia } from "elysia"
import type { Config } from "../../config.ts"
import { describeRate, parseRate, RateLimiter, type RateLimit } from "../../ports/rate-limiter.ts"
import type { TelemetryInstruments } from "../../ports/telemetry.ts"
import type { RunEffect } from "../run-effect.ts"
import { rendererFor } from "./errors.ts"

/**
 * Per-endpoint rate limits (one per kind of endpoint, each configurable): routes declare
 * `rateLimit: "<name>"`. The key is the user when the request is authenticated, else the
 * client address. Every limited response carries RateLimit-Limit/Remaining/Reset; a refused
 * one is a 429 with Retry-After and `{"error": "Rate limit exceeded: 50 per 1 minute"}`.
 */

export type LimitName = "default" | "search" | "recent" | "lookup" | "login" | "register" | "metrics" | "profile_update" | "user_list" | "query_api"

export const limitsFrom = (config: Config): Record<LimitName, RateLimit> => ({
  default: parseRate(config.RATE_LIMIT_DEFAULT),
  search: parseRate(config.RATE_LIMIT_SEARCH),
  recent: parseRate(config.RATE_LIMIT_RECENT),
  lookup: parseRate(config.RATE_LIMIT_LOOKUP),
  login: parseRate(config.RATE_LIMIT_LOGIN),
  register: parseRate(config.RATE_LIMIT_REGISTER),
  metrics: parseRate(config.RATE_LIMIT_METRICS),
  profile_update: parseRate(config.RATE_LIMIT_PROFILE_UPDATE),
  user_list: parseRate(config.RATE_LIMIT_USER_LIST),
  query_api: parseRate(config.RATE_LIMIT_QUERY_API)
})

/**
 * The client's address: the socket's, or, behind a trusted proxy, the last X-Forwarded-For entry
 * (the one that proxy appended; entries to its left are whatever the client chose to send).
 */
export const clientAddress = (request: Request, server: { requestIP(request: Request): { address: string } | null } | null, trustProxy: boolean) => {
  if (trustProxy) {
    const forwarded = request.headers.get("x-forwarded-for")?.split(",").at(-1)?.trim()
    if (forwarded) return forwarded
  }
  return server?.requestIP(request)?.address ?? "unknown"
}

interface Identified {
  readonly account?: { readonly id: string }
  readonly principal?: { readonly user: { readonly id: string } }
}

export const rateLimitPlugin = (run: RunEffect<RateLimiter>, config: Config, telemetry: TelemetryInstruments) => {
  const limits = limitsFrom(config)
  return new Elysia({ name: "rate-limit" }).macro({
    rateLimit: (name: LimitName) => ({
      async beforeHandle(context) {
        if (!config.RATE_LIMIT_ENABLED) return
        const { set, request, server } = context
        const identified = context as unknown as Identified
        const userId = identified.account?.id ?? identified.principal?.user.id
        const client = userId !== undefined ? `user:${userId}` : `ip:${clientAddress(request, server, config.TRUST_PROXY)}`
        const limit = limits[name]
        const decision = await run(Effect.flatMap(RateLimiter, (limiter) => limiter.hit(name, client, limit)))
        set.headers["ratelimit-limit"] = String(decision.limit)
        set.headers["ratelimit-remaining"] = String(decision.remaining)
        set.headers["ratelimit-reset"] = String(decision.resetSeconds)
        if (!decision.allowed) {
          telemetry.rateLimitExceeded.inc({ endpoint: (context as { route?: string }).route ?? name })
          set.status = 429
          set.headers["retry-after"] = String(decision.resetSeconds)
          const message = `Rate limit exceeded: ${describeRate(limit)}`
          const requestId = String(set.headers["x-request-id"] ?? "")
          const render = rendererFor(request)
          if (render) {
            const rendered = render({ status: 429, code: "rate_limited", message, requestId, request, error: undefined })
            Object.assign(set.headers, rendered.headers)
            return rendered.body
          }
          return { error: message, message, request_id: requestId }
        }
      }
    })
  })
}
