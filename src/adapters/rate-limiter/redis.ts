import { Effect } from "effect"
import { RateLimiter } from "../../ports/rate-limiter.ts"
import { escapeGlob, orFallback as redisOrFallback, type RedisConnection, scanKeys } from "../redis/client.ts"

/**
 * Sliding-window log in Redis, shared by every API process: one sorted set per (limit, client),
 * trimmed and counted atomically by a Lua script using Redis's own clock, so replicas agree.
 * While Redis is unreachable, the in-process limiter answers instead (limits then apply per
 * process) and no request fails.
 */

const HIT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
local allowed = 0
if count < limit then
  redis.call('ZADD', KEYS[1], now, now .. '-' .. ARGV[3])
  count = count + 1
  allowed = 1
end
redis.call('PEXPIRE', KEYS[1], window)
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return { allowed, count, tonumber(oldest[2] or now) + window - now }
`

export const makeRedisRateLimiter = (connection: RedisConnection["Type"], fallback: RateLimiter["Type"]) => {
  const { redis, prefix } = connection
  const keyPrefix = `${prefix}ratelimit:`
  // <prefix>ratelimit:<limit name>:<window ms>:<client>; the window is in the key so that usage
  // can count just the current window.
  const keyOf = (name: string, windowMs: number, client: string) => `${keyPrefix}${name}:${windowMs}:${client}`
  const parseKey = (key: string) => {
    const [name = "", windowMs = "0", ...client] = key.slice(keyPrefix.length).split(":")
    return { name, windowMs: Number(windowMs), client: client.join(":") }
  }
  const scan = (pattern: string) => scanKeys(redis, pattern)
  const orFallback = <A>(run: () => Promise<A>, fallbackEffect: Effect.Effect<A>) => redisOrFallback(connection, run, fallbackEffect)

  return RateLimiter.of({
    hit: (name, client, limit) =>
      orFallback(
        async () => {
          const [allowed, count, resetMs] = (await redis.eval(
            HIT,
            1,
            keyOf(name, limit.windowSeconds * 1000, client),
            limit.windowSeconds * 1000,
            limit.limit,
            Math.random().toString(36).slice(2)
          )) as [number, number, number]
          return {
            allowed: allowed === 1,
            limit: limit.limit,
            remaining: Math.max(0, limit.limit - count),
            resetSeconds: Math.max(1, Math.ceil(resetMs / 1000))
          }
        },
        fallback.hit(name, client, limit)
      ),
    usage: orFallback(async () => {
      const keys = await scan(`${escapeGlob(keyPrefix)}*`)
      // Members older than the window stay until the key's next hit; count only the window.
      const now = Date.now()
      const parsed = keys.map(parseKey)
      const counts = await Promise.all(keys.map((key, i) => redis.zcount(key, now - parsed[i]!.windowMs, "+inf")))
      return parsed.map(({ name, client }, i) => ({ name, client, used: counts[i]! })).filter((u) => u.used > 0)
    }, fallback.usage),
    reset: (client) =>
      Effect.zipWith(
        orFallback(async () => {
          const keys = await scan(`${escapeGlob(keyPrefix)}*:${escapeGlob(client)}`)
          const own = keys.filter((key) => parseKey(key).client === client)
          if (own.length) await redis.del(...own)
          return own.length > 0
        }, Effect.succeed(false)),
        fallback.reset(client),
        (a, b) => a || b
      ),
    resetAll: orFallback(async () => {
      const keys = await scan(`${escapeGlob(keyPrefix)}*`)
      if (keys.length) await redis.del(...keys)
    }, Effect.void).pipe(Effect.zipRight(fallback.resetAll)),
    backend: () => (connection.isReady() ? "redis" : "memory (redis unavailable)")
  })
}
