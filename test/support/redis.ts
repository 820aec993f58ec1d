import Redis from "ioredis"
import type { Subprocess } from "bun"
import { freePort, json } from "./server-process.ts"
import { inCI } from "./ci.ts"

/**
 * Redis for tests. The shared server at 127.0.0.1:6379 (each test run uses its own key
 * prefix), and private servers started and stopped by the test itself for outage tests.
 * In CI a missing server fails the tests; elsewhere they are skipped with a printed reason.
 */
export const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379/0"

export const redisAvailable = async (): Promise<boolean> => {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2000, retryStrategy: () => null })
  try {
    await redis.connect()
    await redis.ping()
    return true
  } catch (e) {
    if (inCI()) throw new Error(`Redis is required in CI but unreachable at ${REDIS_URL}: ${(e as Error).message}`)
    console.warn(`skipping Redis tests: ${REDIS_URL} unreachable (${(e as Error).message})`)
    return false
  } finally {
    redis.disconnect()
  }
}

export const uniquePrefix = () => `logflow-test:${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}:`

/** A redis-server of the test's own on a free loopback port, which the test can stop and restart. */
export const startPrivateRedis = async (port = freePort()) => {
  let proc: Subprocess | undefined
  const start = async () => {
    proc = Bun.spawn(["redis-server", "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      stdout: "ignore",
      stderr: "ignore"
    })
    const client = new Redis(port, "127.0.0.1", { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
    for (let i = 0; i < 100; i++) {
      try {
        await client.connect()
        await client.ping()
        client.disconnect()
        return
      } catch {
        client.disconnect()
        await Bun.sleep(50)
      }
    }
    proc.kill(9)
    throw new Error(`redis-server did not start on port ${port}`)
  }
  const stop = async () => {
    proc?.kill(9)
    await proc?.exited
  }
  await start()
  return { url: `redis://127.0.0.1:${port}/0`, start, stop }
}

/** Polls `check` until it holds, failing after `timeoutMs`. */
export const waitFor = async (what: string, check: () => Promise<boolean>, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await Bun.sleep(100)
  }
}

/** What a running LogFlow's /health says of Redis. */
export const redisHealth = async (url: string) => (await json(fetch(`${url}/health`))).services.redis as string
