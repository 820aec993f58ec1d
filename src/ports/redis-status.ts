import { Context } from "effect"

/** Whether the Redis that the cache and rate limiter share answers now; provided only when Redis is configured. */
export class RedisStatus extends Context.Tag("RedisStatus")<RedisStatus, { readonly isReady: () => boolean }>() {}
