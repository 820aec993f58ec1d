import { expect, test } from "bun:test"
import { ulid } from "../../src/domain/ulid.ts"
import { storedIds } from "../support/ingest-load.ts"
import { disposeServer, json, startServer } from "../support/server-process.ts"

test("a saturated pipeline answers 503 with Retry-After, and every record it acknowledged is stored", async () => {
  // A pipeline with almost no room and almost no patience, hit by many concurrent batches.
  const server = await startServer({
    env: {
      BUS_PARTITIONS: "1",
      BUS_PARTITION_CAPACITY: "1",
      INDEXER_MAILBOX: "1",
      INGEST_ENQUEUE_TIMEOUT_MS: "1",
      INDEXER_FLUSH_MS: "50",
      RATE_LIMIT_ENABLED: "false"
    }
  })
  try {
    // Each batch carries ids of the client's choosing, so what was acknowledged is known by id.
    const batches = Array.from({ length: 40 }, () => Array.from({ length: 2000 }, () => ulid()))
    const responses = await Promise.all(
      batches.map((ids) =>
        fetch(`${server.url}/api/v1/logs`, {
          method: "POST",
          headers: { "content-type": "application/x-ndjson" },
          body: ids.map((id, i) => JSON.stringify({ id, service: "flood", message: `line ${i}` })).join("\n")
        })
      )
    )
    const refused = responses.filter((r) => r.status === 503)
    expect(refused.length).toBeGreaterThan(0)
    expect(responses.some((r) => r.status === 200)).toBe(true)
    expect(refused.every((r) => Number(r.headers.get("retry-after")) >= 1)).toBe(true)
    expect((await json(refused[0]!)).error).toBe("pipeline_saturated")
    const acknowledged = batches.filter((_, i) => responses[i]!.status === 200).flat()
    for (const [i, response] of responses.entries()) if (response.status === 200) expect((await json(response)).accepted).toBe(batches[i]!.length)
    // Refused requests may have had part of their batch queued before the wait ran out; those
    // parts may be stored too, so the check is that no acknowledged id is missing.
    const stored = new Set(await storedIds(server.url, "flood"))
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([])
  } finally {
    await disposeServer(server)
  }
})
