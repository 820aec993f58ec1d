import { describe, expect, test } from "bun:test"
import { bloomMayHold, refBloom } from "../../../src/adapters/log-store/sqlite/block-bloom.ts"
import { encodeColumns } from "../../../src/adapters/log-store/sqlite/block-codec.ts"
import { makeRecord } from "../../support/records.ts"

describe("block Bloom filter of trace and correlation ids", () => {
  const records = Array.from({ length: 2_000 }, (_, i) =>
    makeRecord({
      trace_id: crypto.randomUUID().replaceAll("-", ""),
      ...(i % 4 === 0 ? { correlation_id: `order-${i}` } : {})
    })
  )
  const columns = encodeColumns(records)
  const bloom = refBloom({ trace_id: columns.refs.trace_id, correlation_id: columns.refs.correlation_id }, columns.count)

  test("holds every trace and correlation id of the block, each under its own field", () => {
    for (const r of records) expect(bloomMayHold(bloom, "trace_id", r.trace_id!)).toBe(true)
    for (const r of records) if (r.correlation_id) expect(bloomMayHold(bloom, "correlation_id", r.correlation_id)).toBe(true)
  })

  test("rules out all but about 1% of ids the block does not hold", () => {
    const absent = Array.from({ length: 20_000 }, () => crypto.randomUUID().replaceAll("-", ""))
    const falsePositives = absent.filter((id) => bloomMayHold(bloom, "trace_id", id)).length
    expect(falsePositives / absent.length).toBeLessThan(0.02)
  })

  test("a block without such ids rules every id out", () => {
    const plain = encodeColumns([makeRecord()])
    const empty = refBloom({ trace_id: plain.refs.trace_id, correlation_id: plain.refs.correlation_id }, plain.count)
    expect(bloomMayHold(empty, "trace_id", "abc")).toBe(false)
  })
})
