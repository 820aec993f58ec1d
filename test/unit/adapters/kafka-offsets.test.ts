import { describe, expect, test } from "bun:test"
import { PartitionOffsets } from "../../../src/adapters/log-bus/kafka/offsets.ts"
import { decodeRecord, encodeRecord } from "../../../src/adapters/log-bus/kafka/records.ts"
import { makeRecord } from "../../support/records.ts"

describe("Kafka offsets of one partition", () => {
  test("the commit point moves only over a run of stored batches from the start", () => {
    const offsets = new PartitionOffsets()
    const a = offsets.add("0", "9")
    const b = offsets.add("10", "19")
    const c = offsets.add("20", "29")
    offsets.stored(b)
    expect(offsets.due()).toBeUndefined() // 0-9 is not stored yet
    offsets.stored(a)
    expect(offsets.due()).toBe("20")
    offsets.stored(c)
    expect(offsets.due()).toBe("30")
    offsets.committed = "30"
    expect(offsets.due()).toBeUndefined()
  })

  test("a batch that was not stored stops the run, is read again from its first offset, and later settlements of the old reading are ignored", () => {
    const offsets = new PartitionOffsets()
    const a = offsets.add("0", "9")
    const b = offsets.add("10", "19")
    const c = offsets.add("20", "29")
    offsets.stored(a)
    expect(offsets.failed(b)).toBe("10")
    offsets.stored(c) // from before the seek: must not move the commit point past 10
    expect(offsets.due()).toBe("10")
    const again = offsets.add("10", "29")
    offsets.stored(again)
    expect(offsets.due()).toBe("30")
  })
})

describe("Kafka record messages", () => {
  test("a record survives the round trip; anything else is poison with a reason", () => {
    const record = makeRecord({ host: "h1", attributes: { n: 1, ok: true, s: "x" } })
    expect(decodeRecord(encodeRecord(record))).toEqual(record)
    expect(decodeRecord(null)).toBe("empty message")
    expect(decodeRecord(Buffer.from("{oops"))).toBe("not JSON")
    expect(decodeRecord(Buffer.from("[1]"))).toBe("not a JSON object")
    expect(decodeRecord(encodeRecord({ ...record, level: "LOUD" as never }))).toStartWith("level:")
    expect(decodeRecord(encodeRecord({ ...record, attributes: { nested: { a: 1 } as never } }))).toStartWith("attributes:")
  })
})
