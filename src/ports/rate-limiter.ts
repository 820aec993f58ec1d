import { Context, type Effect } from "effect"

export interface RateLimit {
  readonly limit: number
  readonly windowSeconds: number
}

export interface RateLimitDecision {
  readonly allowed: boolean
  readonly limit: number
  readonly remaining: number
  /** Seconds until the window frees a slot. */
  readonly resetSeconds: number
}

export interface RateLimitUsage {
  /** `ip:<address>` or `user:<id>`. */
  readonly client: string
  /** Which limit: `search`, `login`, … */
  readonly name: string
  /** Requests counted in the current window. */
  readonly used: number
}

/**
 * Counts requests per client and limit in a sliding window, exact at the boundary.
 * Memory (one process) and Redis (shared by API replicas) adapters.
 */
export class RateLimiter extends Context.Tag("RateLimiter")<
  RateLimiter,
  {
    readonly hit: (name: string, client: string, limit: RateLimit) => Effect.Effect<RateLimitDecision>
    readonly usage: Effect.Effect<ReadonlyArray<RateLimitUsage>>
    /** Forgets every limit of one client; false when it had none. */
    readonly reset: (client: string) => Effect.Effect<boolean>
    readonly resetAll: Effect.Effect<void>
    readonly backend: () => string
  }
>() {}

/** Parses the `N/second`, `N/minute`, `N/hour` notation of the RATE_LIMIT_* settings. */
export const parseRate = (text: string): RateLimit => {
  const [count, unit] = text.split("/")
  return { limit: Number(count), windowSeconds: unit === "second" ? 1 : unit === "minute" ? 60 : 3600 }
}

export const describeRate = (limit: RateLimit) =>
  `${limit.limit} per 1 ${limit.windowSeconds === 1 ? "second" : limit.windowSeconds === 60 ? "minute" : "hour"}`
