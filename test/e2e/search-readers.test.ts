import { expect, test } from "bun:test"
import { plantLongRuns, wildcardQuery } from "../support/costly-queries.ts"
import { json, useServer } from "../support/server-process.ts"

/**
 * The embedded store's reader threads through the real server: with one thread and a queue of
 * one, costly searches sent at once are answered while the thread and the queue have room, and
 * the rest are refused at once with 503 `store_busy` and Retry-After, never queued without end;
 * the server keeps answering meanwhile.
 */

const server = useServer(() => ({ env: { SEARCH_READERS: "1", SEARCH_READER_QUEUE: "1", SEARCH_MAX_WILDCARDS: "256", RATE_LIMIT_ENABLED: "false" } }))

test("searches past the reader queue are refused with 503 store_busy and Retry-After", async () => {
  await plantLongRuns(server().url, "queue", 4, 1_000)
  const query = new URLSearchParams({ query: wildcardQuery(200), limit: "50" })
  const answers = await Promise.all(
    Array.from({ length: 8 }, async () => {
      const response = await fetch(`${server().url}/api/v1/logs/search?${query}`)
      return { status: response.status, retryAfter: response.headers.get("retry-after"), body: await json(response) }
    })
  )
  const refused = answers.filter((a) => a.status === 503)
  expect(answers.filter((a) => a.status === 200).length).toBeGreaterThanOrEqual(2)
  expect(refused.length).toBeGreaterThanOrEqual(1)
  for (const a of refused) expect([a.body.error, a.retryAfter, a.body.message]).toEqual(["store_busy", "1", expect.stringContaining("SEARCH_READER_QUEUE")])
  expect(answers.every((a) => a.status === 200 || a.status === 503)).toBe(true)
  expect((await fetch(`${server().url}/health`)).status).toBe(200)
}, 60_000)
