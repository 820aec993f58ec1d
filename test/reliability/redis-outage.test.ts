import { expect, test } from "bun:test"
import { reportFault } from "../support/fault-report.ts"
import { redisAvailable, redisHealth, startPrivateRedis, waitFor } from "../support/redis.ts"
import { json, removeDataDir, startServer, stopServer } from "../support/server-process.ts"

/** Redis (cache and rate limits) goes away under a running LogFlow and comes back. */

if (await redisAvailable()) {
  test("when Redis stops, requests keep succeeding in process, /health says so, and Redis is used again once back", async () => {
    const redis = await startPrivateRedis()
    const server = await startServer({ env: { REDIS_URL: redis.url } })
    try {
      await waitFor("redis healthy", async () => (await redisHealth(server.url)) === "healthy")
      await redis.stop()
      const failures: number[] = []
      let requests = 0
      for (let i = 0; i < 20; i++) {
        for (const path of ["/api/v1/metrics/overview", "/api/v1/logs/search", "/api/v1/cache/stats"]) {
          const response = await fetch(`${server.url}${path}`)
          requests++
          if (response.status !== 200) failures.push(response.status)
        }
      }
      expect(failures).toEqual([])
      expect(await redisHealth(server.url)).toBe("unhealthy")
      expect((await json(fetch(`${server.url}/api/v1/cache/stats`))).backend).toBe("memory (redis unavailable)")

      await redis.start()
      await waitFor("redis healthy again", async () => (await redisHealth(server.url)) === "healthy")
      expect((await json(fetch(`${server.url}/api/v1/cache/stats`))).backend).toBe("redis")
      reportFault({ fault: "Redis stopped and restarted", outcome: `${requests} requests while down, ${failures.length} failed; back on Redis after restart` })
    } finally {
      await stopServer(server)
      await redis.stop()
      removeDataDir(server.dataDir)
    }
  }, 60_000)
}
