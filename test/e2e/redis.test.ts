import { describe, expect, test } from "bun:test"
import { REDIS_URL, redisAvailable, redisHealth, uniquePrefix, waitFor } from "../support/redis.ts"
import { json, removeDataDir, startServer, stopServer } from "../support/server-process.ts"

if (await redisAvailable()) {
  describe("Redis shared by API processes", () => {
    test("two API processes on one Redis enforce one limit", async () => {
      const env = { REDIS_URL, REDIS_KEY_PREFIX: uniquePrefix(), RATE_LIMIT_SEARCH: "5/minute" }
      const [a, b] = await Promise.all([startServer({ env }), startServer({ env })])
      try {
        await waitFor("both on redis", async () => (await redisHealth(a.url)) === "healthy" && (await redisHealth(b.url)) === "healthy")
        const statuses = []
        for (const server of [a, b, a, b, a, b]) statuses.push((await fetch(`${server.url}/api/v1/logs/search`)).status)
        expect(statuses).toEqual([200, 200, 200, 200, 200, 429])

        // A cached metric computed by one process is a hit in the other.
        expect((await fetch(`${a.url}/api/v1/metrics/overview`)).headers.get("x-cache")).toBe("MISS")
        expect((await fetch(`${b.url}/api/v1/metrics/overview`)).headers.get("x-cache")).toBe("HIT")
        expect((await json(fetch(`${b.url}/api/v1/cache/stats`))).backend).toBe("redis")
      } finally {
        await Promise.all([stopServer(a), stopServer(b)])
        removeDataDir(a.dataDir)
        removeDataDir(b.dataDir)
      }
    })
  })
}
