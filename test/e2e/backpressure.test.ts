import { expect, test } from "bun:test"
import { disposeServer, json, startServer } from "../support/server-process.ts"

test("a saturated pipeline answers 503 with Retry-After, and everything it acknowledged is stored", async () => {
  // A pipeline with almost no room and almost no patience, hit by many concurrent batches.
  const server = await startServer({
    env: { BUS_PARTITIONS: "1", BUS_PARTITION_CAPACITY: "1", INDEXER_MAILBOX: "1", INGEST_ENQUEUE_TIMEOUT_MS: "1", INDEXER_FLUSH_MS: "50" }
  })
  try {
    const body = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ service: "flood", message: `line ${i}` })).join("\n")
    const responses = await Promise.all(
      Array.from({ length: 40 }, () => fetch(`${server.url}/api/v1/logs`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body }))
    )
    const refused = responses.filter((r) => r.status === 503)
    const accepted = responses.filter((r) => r.status === 200)
    expect(refused.length).toBeGreaterThan(0)
    expect(accepted.length).toBeGreaterThan(0)
    expect(refused.every((r) => Number(r.headers.get("retry-after")) >= 1)).toBe(true)
    expect((await json(refused[0]!)).error).toBe("pipeline_saturated")
    const acknowledged = (await Promise.all(accepted.map((r) => json(r)))).reduce((n, b) => n + b.accepted, 0)
    const stored = await json(fetch(`${server.url}/api/v1/metrics/service/flood`))
    // Refused requests may have had part of their batch queued before the wait ran out; those
    // parts are stored too (clients retrying with their own ids make that idempotent).
    expect(stored.total_logs).toBeGreaterThanOrEqual(acknowledged)
  } finally {
    await disposeServer(server)
  }
})
