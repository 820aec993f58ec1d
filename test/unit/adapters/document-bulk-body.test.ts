import { describe, expect, test } from "bun:test"
import { bulkBody, toDocument } from "../../../src/adapters/log-store/document/bulk.ts"
import { ELASTICSEARCH_DIALECT, OPENSEARCH_DIALECT } from "../../../src/adapters/log-store/document/query.ts"
import type { LogRecord } from "../../../src/domain/log-record.ts"

// The worker's _bulk body, serialised in one pass, reads back as the operations the engines expect.
describe("document store: the _bulk body", () => {
  const record = (id: string, timestamp: number, attributes: LogRecord["attributes"] = {}): LogRecord => ({
    id,
    timestamp,
    received_at: timestamp,
    service: "api",
    level: "ERROR",
    message: 'said "no"\nthen left',
    attributes
  })
  const lines = (body: string) =>
    body
      .split("\n")
      .slice(0, -1)
      .map((l) => JSON.parse(l))

  test("is one create action and one document per record, each record in its own day's index", () => {
    const day1 = Date.UTC(2026, 11, 6, 23, 59, 59, 999)
    const day2 = Date.UTC(2026, 11, 7, 0, 0, 0, 0)
    const records = [record("01A", day1), record("01B", day2, { "http.status": 503, retry: true }), record("01C", day1)]
    const parsed = lines(bulkBody(records, "logs", ELASTICSEARCH_DIALECT))
    expect(parsed).toEqual([
      { create: { _index: "logs-2026.12.06", _id: "01A" } },
      toDocument(records[0]!),
      { create: { _index: "logs-2026.12.07", _id: "01B" } },
      toDocument(records[1]!),
      { create: { _index: "logs-2026.12.06", _id: "01C" } },
      toDocument(records[2]!)
    ])
  })

  test("escapes what the record holds, so no value can end a line or an action early", () => {
    const body = bulkBody([record('x"}\n{"delete', 0, { 'k"\n': "v\n" })], "logs", OPENSEARCH_DIALECT)
    expect(body.split("\n")).toHaveLength(3)
    expect(lines(body)[0]).toEqual({ create: { _index: "logs-1970.01.01", _id: 'x"}\n{"delete' } })
  })
})
