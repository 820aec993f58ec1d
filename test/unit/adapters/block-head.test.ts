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
  steps: fc.array(
    fc.oneof(
      fc.constant(0),
      fc.integer({ min: 0, max: 5_000 }),
      fc.constant(100_000),
      fc.integer({ min: -50, max: -1 }),
      fc.double({ min: 0, max: 10, noNaN: true }),
      fc.constant(2 ** 33)
    ),
    {
      minLength: 1,
      maxLength: 80
    }
  ),
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

  test("a block of whole-millisecond times in order with its first positions and few hosts takes 2 bytes a record for gaps below 256 ms, 3 below 65 s, not 15", () => {
    for (const [gap, bytes] of [
      [3, 2],
      [700, 3]
    ] as const) {
      const records = Array.from({ length: 10_000 }, (_, i) => makeRecord({ timestamp: 1_765_000_000_000 + i * gap, host: `h${i % 4}` }))
      const wide = encodeColumns(records).head
      expect(wide.byteLength).toBeGreaterThan(15 * 10_000)
      const compact = compactHead(wide)
      expect(compact.byteLength).toBeLessThanOrEqual(bytes * 10_000 + 16)
      expect(plain(decodeHead(compact))).toEqual(plain(decodeHead(wide)))
    }
  })

  test("a head of the first compact layout (times from the first, hosts and levels apart) still reads", () => {
    const head = new Uint8Array(16 + 12 + 4 + 3)
    const view = new DataView(head.buffer)
    view.setUint32(0, 3, true)
    view.setUint32(4, 1 | 2, true) // compact, positions 0, 1, 2, one-byte hosts
    view.setFloat64(8, 1_765_000_000_000, true)
    ;[0, 5, 9].forEach((d, i) => view.setUint32(16 + 4 * i, d, true))
    head.set([1, 0, 2], 28)
    head.set([2, 3, 4], 32)
    expect(plain(decodeHead(head))).toEqual({
      count: 3,
      ts: [1_765_000_000_000, 1_765_000_000_005, 1_765_000_000_009],
      host: [1, 0, 2],
      position: [0, 1, 2],
      level: [2, 3, 4]
    })
  })

  test("many hosts take wider numbers", () => {
    const records = Array.from({ length: 70_000 / 100 }, (_, i) => makeRecord({ timestamp: i, host: `h${i}` }))
    const wide = encodeColumns(records).head
    expect(plain(decodeHead(compactHead(wide)))).toEqual(plain(decodeHead(wide)))
  })
})
