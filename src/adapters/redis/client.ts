import { Context, Effect, Layer } from "effect"
import Redis from "ioredis"
import { writeLogLine } from "../../log-line.ts"

/**
 * One Redis connection shared by the cache and the rate limiter. ioredis reconnects by itself
 * (backoff capped at 2 s); while it is down, commands fail at once instead of queueing, so
 * callers fall back to in-process behaviour without waiting.
 */
export class RedisConnection extends Context.Tag("RedisConnection")<
  RedisConnection,
  {
    readonly redis: Redis
    readonly prefix: string
    readonly isReady: () => boolean
  }
>() {}

export const RedisConnectionLive = (url: string, prefix: string) =>
  Layer.scoped(
    RedisConnection,
    Effect.gen(function* () {
      const redis = yield* Effect.acquireRelease(
        Effect.sync(
          () =>
            new Redis(url, {
              lazyConnect: false,
              enableOfflineQueue: false,
              maxRetriesPerRequest: 0,
              connectTimeout: 2000,
              commandTimeout: 1000,
              retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 2000)
            })
        ),
        (redis) => Effect.promise(() => redis.quit().catch(() => redis.disconnect()))
      )
      let lastStatus = ""
      const report = (status: string, error?: Error) => {
        if (status === lastStatus) return
        lastStatus = status
        writeLogLine(status === "ready" ? "INFO" : "WARN", `redis ${status}${error ? `: ${error.message}` : ""}`)
      }
      redis.on("ready", () => report("ready"))
      redis.on("error", (e: Error) => report("unavailable; using in-process fallback", e))
      redis.on("end", () => report("disconnected"))
      return { redis, prefix, isReady: () => redis.status === "ready" }
    })
  )

/** Runs against Redis while it is connected, else (or on any Redis error) the in-process fallback. */
export const orFallback = <A>(connection: RedisConnection["Type"], run: () => Promise<A>, fallback: Effect.Effect<A>) =>
  Effect.suspend(() => (connection.isReady() ? Effect.tryPromise(run).pipe(Effect.orElse(() => fallback)) : fallback))

/** Every key matching a glob, by SCAN (never KEYS, which blocks the server). */
export const scanKeys = async (redis: Redis, pattern: string) => {
  const keys: string[] = []
  let cursor = "0"
  do {
    const [next, batch] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 500)
    cursor = next
    keys.push(...batch)
  } while (cursor !== "0")
  return keys
}

/** Escapes Redis glob syntax, for literal parts of a pattern (prefixes, client ids). */
export const escapeGlob = (text: string) => text.replace(/[*?[\]\\]/g, "\\$&")
