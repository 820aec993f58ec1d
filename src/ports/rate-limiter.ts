import { Context, type Effect } from "effect"

export interface RateLimit {
  readonly limit: number
  readonly windowSeconds: number
}

export interface RateLimitDecision {
  readonly allowed: boolean
  readonly limit: number
  readonly remaining: number
  /** Seconds until a request would be allowed again (when refused) or the window frees a slot. */
  readonly resetSeconds: number
}

/** Counts requests per key in a sliding window. Memory now; Redis (shared by API replicas) later. */
export class RateLimiter extends Context.Tag("RateLimiter")<RateLimiter, {
  readonly hit: (key: string, limit: RateLimit) => Effect.Effect<RateLimitDecision>
  readonly reset: (key: string) => Effect.Effect<boolean>
  readonly resetAll: Effect.Effect<void>
}>() {}

/** Parses the seed's `N/minute` notation. */
export const parseRate = (text: string): RateLimit => {
  const [count, unit] = text.split("/")
  return { limit: Number(count), windowSeconds: unit === "second" ? 1 : unit === "minute" ? 60 : 3600 }
}

export const describeRate = (limit: RateLimit) =>
  `${limit.limit} per 1 ${limit.windowSeconds === 1 ? "second" : limit.windowSeconds === 60 ? "minute" : "hour"}`
