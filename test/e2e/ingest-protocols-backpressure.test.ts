import { expect, test } from "bun:test"
import { counterValue } from "../support/ingest.ts"
import { json, useServer } from "../support/server-process.ts"

// A pipeline with almost no room and almost no patience, as in backpressure.test.ts.
const server = useServer(() => ({
  env: { BUS_PARTITIONS: "1", BUS_PARTITION_CAPACITY: "1", INDEXER_MAILBOX: "1", INGEST_ENQUEUE_TIMEOUT_MS: "1", INDEXER_FLUSH_MS: "50" }
}))

const RECORDS = 2000
const nanos = (i: number) => `${Date.parse("2026-11-29T10:00:00Z") + i}000000`
const BODIES = {
  otlp: {
    path: "/v1/logs",
    contentType: "application/json",
    body: JSON.stringify({
      resourceLogs: [
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: "flood-otlp" } }] },
          scopeLogs: [{ logRecords: Array.from({ length: RECORDS }, (_, i) => ({ timeUnixNano: nanos(i), body: { stringValue: `line ${i}` } })) }]
        }
      ]
    })
  },
  bulk: {
    path: "/_bulk",
    contentType: "application/x-ndjson",
    body: Array.from({ length: RECORDS }, (_, i) => `{"create":{"_index":"flood-bulk"}}\n{"message":"line ${i}"}\n`).join("")
  },
  loki: {
    path: "/loki/api/v1/push",
    contentType: "application/json",
    body: JSON.stringify({ streams: [{ stream: { service_name: "flood-loki" }, values: Array.from({ length: RECORDS }, (_, i) => [nanos(i), `line ${i}`]) }] })
  }
} as const

test.each(Object.keys(BODIES) as Array<keyof typeof BODIES>)(
  "%s: a saturated pipeline answers 503 with Retry-After, and counts the records it could not take",
  async (protocol) => {
    const { path, contentType, body } = BODIES[protocol]
    const responses = await Promise.all(
      Array.from({ length: 40 }, () => fetch(`${server().url}${path}`, { method: "POST", headers: { "content-type": contentType }, body }))
    )
    const refused = responses.filter((r) => r.status === 503)
    expect(refused.length).toBeGreaterThan(0)
    expect(responses.some((r) => r.ok)).toBe(true)
    expect(refused.every((r) => Number(r.headers.get("retry-after")) >= 1)).toBe(true)
    const answer = await json(refused[0]!)
    // _bulk answers in Elasticsearch's error shape, which its clients read; the others in LogFlow's.
    if (protocol === "bulk") expect(answer.error.reason).toContain("saturated")
    else expect(answer.error).toBe("pipeline_saturated")
    expect(await counterValue(server().url, "ingest_records_total", { protocol, result: "failed" })).toBe(refused.length * RECORDS)
  }
)
