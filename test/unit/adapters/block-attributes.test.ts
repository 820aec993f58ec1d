import { describe, expect, test } from "bun:test"
import fc from "fast-check"
import { DEFAULT_ATTRIBUTE_KEYS_PER_BLOCK } from "../../../src/adapters/log-store/sqlite/block-attributes.ts"
import { contentOf, encodeColumns, recordAt } from "../../../src/adapters/log-store/sqlite/block-codec.ts"
import { loadConfig } from "../../../src/config.ts"
import type { AttributeValue, Attributes } from "../../../src/domain/log-record.ts"
import { makeRecord } from "../../support/records.ts"

const value: fc.Arbitrary<AttributeValue> = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 12 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? 0 : n)),
  fc.integer(),
  fc.boolean()
)
/** Attributes drawn from a small set of keys, so that some keys are on most records and some on few. */
const attributes: fc.Arbitrary<Attributes> = fc.dictionary(fc.constantFrom("a", "b", "c", "d", "é", "k.x", "n"), value, { maxKeys: 7 })

const roundTrip = (all: ReadonlyArray<Attributes>, keysPerBlock: number) => {
  const records = all.map((a, i) => makeRecord({ timestamp: 1_000 + i, attributes: a }))
  const content = contentOf(encodeColumns(records, undefined, keysPerBlock))
  return { records, read: records.map((_, i) => recordAt(content, i)) }
}

describe("a block's attributes", () => {
  test("ATTRIBUTE_KEYS_PER_BLOCK defaults to the writer's own default", () => {
    expect(loadConfig({}).ATTRIBUTE_KEYS_PER_BLOCK).toBe(DEFAULT_ATTRIBUTE_KEYS_PER_BLOCK)
  })

  test("every record reads back with exactly its attributes, whatever share of records has each key and however few keys get columns", () => {
    fc.assert(
      fc.property(fc.array(attributes, { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 8 }), (all, keysPerBlock) => {
        const { records, read } = roundTrip(all, keysPerBlock)
        expect(read).toEqual(records)
      }),
      { numRuns: 300 }
    )
  })

  test("a key on few records is stored for those records only: a few bytes, not a slot per record of the block", () => {
    const all = Array.from({ length: 1_000 }, (_, i): Attributes => (i % 100 === 7 ? { rare: `v${i}`, common: i } : { common: i }))
    const columns = encodeColumns(
      all.map((a, i) => makeRecord({ timestamp: i, attributes: a })),
      undefined,
      512
    )
    const rare = columns.attributes.find((a) => a.key === "rare")!
    // Ten values of about four bytes, their rows and a few bytes of framing.
    expect(rare.packed.byteLength).toBeLessThan(100)
  })

  test("past the column limit, the keys on the fewest records go to the other attributes, and the block's column count stays at the limit", () => {
    const all = Array.from({ length: 300 }, (_, i): Attributes => ({ everywhere: 1, [`only_${i}`]: i }))
    const columns = encodeColumns(
      all.map((a, i) => makeRecord({ timestamp: i, attributes: a })),
      undefined,
      5
    )
    expect(columns.attributes.map((a) => a.key)[0]).toBe("everywhere")
    expect(columns.attributes).toHaveLength(5)
    expect(columns.otherAttributes).not.toBeNull()
    const { records, read } = roundTrip(all, 5)
    expect(read).toEqual(records)
  })
})
