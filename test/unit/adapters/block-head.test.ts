import { describe, expect, test } from "bun:test"
import fc from "fast-check"
import { encodeColumns } from "../../../src/adapters/log-store/sqlite/block-codec.ts"
import { compactHead, decodeHead } from "../../../src/adapters/log-store/sqlite/block-head.ts"
import { LEVELS } from "../../../src/domain/log-record.ts"
import { makeRecord } from "../../support/records.ts"

const plain = (head: ReturnType<typeof decodeHead>) => ({
  count: head.count,
  ts: [...head.ts],
  host: [...head.host],
  position: [...head.position],
  level: [...head.level]
})

const block = fc.record({
  start: fc.oneof(fc.integer({ min: 0, max: 2 ** 45 }), fc.double({ min: 0, max: 2 ** 45, noNaN: true })),
  steps: fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 5_000 }), fc.double({ min: 0, max: 10, noNaN: true }), fc.constant(2 ** 33)), {
    minLength: 1,
    maxLength: 80
  }),
  hosts: fc.integer({ min: 0, max: 300 }),
  shuffled: fc.boolean()
})

describe("block heads", () => {
  test("a compact head reads back as the wide one it was made from, whatever its times, hosts and positions", () => {
    fc.assert(
      fc.property(block, ({ start, steps, hosts, shuffled }) => {
        let t = start
        const records = steps.map((step, i) => {
          t += step
          return makeRecord({ timestamp: t, level: LEVELS[i % LEVELS.length]!, ...(hosts > 0 && i % 3 ? { host: `h${(i * 7) % hosts}` } : {}) })
        })
        const positions = shuffled ? records.map((_, i) => (i * 37) % 65_536) : undefined
        const wide = encodeColumns(records, positions).head
        expect(plain(decodeHead(compactHead(wide)))).toEqual(plain(decodeHead(wide)))
      }),
      { numRuns: 300 }
    )
  })

  test("a block of whole-millisecond times in order with its first positions takes about 6 bytes a record, not 15", () => {
    const records = Array.from({ length: 10_000 }, (_, i) => makeRecord({ timestamp: 1_765_000_000_000 + i * 3, host: `h${i % 4}` }))
    const wide = encodeColumns(records).head
    expect(wide.byteLength).toBeGreaterThan(15 * 10_000)
    expect(compactHead(wide).byteLength).toBeLessThan(6.1 * 10_000)
  })

  test("many hosts take wider numbers", () => {
    const records = Array.from({ length: 70_000 / 100 }, (_, i) => makeRecord({ timestamp: i, host: `h${i}` }))
    const wide = encodeColumns(records).head
    expect(plain(decodeHead(compactHead(wide)))).toEqual(plain(decodeHead(wide)))
  })
})
