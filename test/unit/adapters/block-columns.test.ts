import { describe, expect, test } from "bun:test"
import fc from "fast-check"
import {
  decodeHex,
  decodeIds,
  decodeNumbers,
  decodeSmallInts,
  decodeSparse,
  decodeTexts,
  encodeHex,
  encodeIds,
  encodeNumbers,
  encodeSmallInts,
  encodeSparse,
  encodeTexts
} from "../../../src/adapters/log-store/sqlite/block-columns.ts"
import { allIds, allText } from "../../../src/adapters/log-store/sqlite/block-text.ts"
import type { AttributeValue } from "../../../src/domain/log-record.ts"
import { ulid } from "../../../src/domain/ulid.ts"

/** Each codec round-trips: the empty column, one value, all values equal, random ones, and the extremes. */

const EXTREMES = [
  0,
  -0,
  1,
  -1,
  Number.MAX_SAFE_INTEGER,
  Number.MIN_SAFE_INTEGER,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  Number.MIN_VALUE,
  Number.NaN,
  Infinity,
  -Infinity,
  0.1,
  2 ** 53 + 2
]
const same = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length)
  for (let i = 0; i < a.length; i++) expect(Object.is(a[i], b[i])).toBe(true)
}
const numberColumns = fc.oneof(
  fc.array(fc.double()),
  fc.array(fc.integer({ min: -(2 ** 40), max: 2 ** 40 })),
  fc.array(fc.constantFrom(...EXTREMES)),
  fc.integer({ min: 0, max: 300 }).chain((n) => fc.double().map((v) => Array.from({ length: n }, () => v)))
)
const texts = fc.array(fc.option(fc.string({ unit: "grapheme" }), { nil: undefined }))

describe("column codecs round-trip", () => {
  test("numbers: empty, one, all equal, random, extremes, NaN and ±Infinity, -0", () => {
    for (const column of [[], [42], EXTREMES, Array(500).fill(1.5), Array.from({ length: 500 }, (_, i) => 1_764_000_000_000 + i * 3)]) {
      same(decodeNumbers(encodeNumbers(column), column.length), column)
    }
    fc.assert(fc.property(numberColumns, (column) => same(decodeNumbers(encodeNumbers(column), column.length), column)))
  })

  test("consecutive millisecond times take about a byte each", () => {
    const times = Array.from({ length: 1000 }, (_, i) => 1_764_000_000_000 + i * 3 + (i % 7))
    expect(encodeNumbers(times).length).toBeLessThan(1000)
  })

  test("small integers: empty, one, all equal, identity, random up to 2^31", () => {
    for (const column of [[], [0], [7], Array(300).fill(5), Array.from({ length: 300 }, (_, i) => i), [2 ** 31 - 1, 0, 1]]) {
      same(decodeSmallInts(encodeSmallInts(column), column.length), column)
    }
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 31 - 1 })), (column) => same(decodeSmallInts(encodeSmallInts(column), column.length), column))
    )
    // Every bit width, each value at every offset within a byte (widths up to 25 read four bytes at a time).
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 31 })
          .chain((width) => fc.array(fc.integer({ min: 0, max: 2 ** width - 1 }), { minLength: 9 }).map((c) => [...c, 2 ** width - 1])),
        (column) => same(decodeSmallInts(encodeSmallInts(column), column.length), column)
      )
    )
  })

  test("text: empty, one, all equal, random non-ASCII (absent reads as empty)", () => {
    const check = (column: ReadonlyArray<string | undefined>) =>
      expect(allText(decodeTexts(encodeTexts(column), column.length))).toEqual(column.map((v) => v ?? ""))
    for (const column of [[], ["x"], Array(100).fill("same line"), ["naïve café", "日本語", "🙂 emoji", "", undefined, "\n\ttabs"]]) check(column)
    fc.assert(fc.property(texts, check))
  })

  test("ids: LogFlow's ULIDs, ULIDs of any time, and ids that are not ULIDs", () => {
    const check = (column: ReadonlyArray<string>) => expect(allIds(decodeIds(encodeIds(column), column.length))).toEqual([...column])
    const monotonic = Array.from({ length: 1000 }, (_, i) => ulid(1_764_000_000_000 + Math.floor(i / 300)))
    for (const column of [
      [],
      [ulid()],
      Array(5).fill(ulid()),
      monotonic,
      ["7ZZZZZZZZZZZZZZZZZZZZZZZZZ", "00000000000000000000000000"],
      ["8ZZZZZZZZZZZZZZZZZZZZZZZZZ"],
      ["not-a-ulid", "é"]
    ])
      check(column)
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 48 - 1 }).map((t) => ulid(t))), check))
    // A millisecond's ids differ by one: a thousand of them in a few milliseconds cost far less than their text.
    expect(encodeIds(monotonic).length).toBeLessThan(300)
  })

  test("hex ids: as bytes when of one length, as text otherwise; absent values stay absent", () => {
    const check = (column: ReadonlyArray<string | undefined>) =>
      expect(allText(decodeHex(encodeHex(column), column.length))).toEqual(column.map((v) => v ?? ""))
    const traces = Array.from({ length: 200 }, () => crypto.randomUUID().replaceAll("-", ""))
    for (const column of [[], ["ab"], traces, [traces[0], undefined, traces[1], ""], ["ABCDEF"], ["abc"], ["ab", "abcd"], ["trace-1"]]) check(column)
    fc.assert(fc.property(fc.array(fc.option(fc.string({ unit: "grapheme" }), { nil: undefined })), check))
    fc.assert(
      fc.property(
        fc.array(
          fc.option(
            fc.uint8Array({ minLength: 8, maxLength: 8 }).map((b) => Buffer.from(b).toString("hex")),
            { nil: undefined }
          )
        ),
        check
      )
    )
    expect(encodeHex(traces).length).toBeLessThanOrEqual(16 * traces.length + 4)
  })

  test("sparse attributes: rows and values of every type", () => {
    // Attribute values are finite (normalise refuses others); among text, a number is kept as JSON keeps it (-0 as 0).
    const finite = fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => (Object.is(v, -0) ? 0 : v))
    const values = fc.oneof(fc.string({ unit: "grapheme" }), fc.boolean(), finite, fc.integer()) as fc.Arbitrary<AttributeValue>
    const sparse = fc
      .integer({ min: 0, max: 300 })
      .chain((count) => fc.tuple(fc.constant(count), fc.uniqueArray(fc.integer({ min: 0, max: Math.max(0, count - 1) }), { maxLength: count }), fc.boolean()))
    fc.assert(
      fc.property(sparse, fc.array(values, { minLength: 300, maxLength: 300 }), ([count, picked, numeric], pool) => {
        const rows = count === 0 ? [] : [...picked].sort((a, b) => a - b)
        const column = rows.map((_, i) => (numeric ? [Number.NaN, -Infinity, -0, i * 1.5][i % 4]! : pool[i]!))
        const decoded = decodeSparse(encodeSparse({ rows, values: column }, count), count)
        for (let row = 0, k = 0; row < count; row++) {
          const index = decoded.indexes[row]!
          if (rows[k] === row) {
            expect(Object.is(decoded.values[index - 1], column[k])).toBe(true)
            k++
          } else expect(index).toBe(0)
        }
      })
    )
  })
})
