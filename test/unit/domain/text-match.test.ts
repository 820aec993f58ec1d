import { describe, expect, test } from "bun:test"
import fc from "fast-check"
import { matchingRows, textLeaf } from "../../../src/domain/text-match.ts"
import { fold } from "../../../src/domain/words.ts"

/** The per-row meaning of a word or phrase, against which the one-pass search is checked. */
const rowsOneByOne = (query: Parameters<typeof textLeaf>[0], messages: ReadonlyArray<string>, active: ReadonlyArray<boolean>) =>
  messages.map((m, i) => (active[i] && textLeaf(query).matches(fold(m)) ? 1 : 0))

const searchAll = (query: Parameters<typeof textLeaf>[0], messages: ReadonlyArray<string>, active: ReadonlyArray<boolean>) => {
  const folded = messages.map(fold)
  const ends = new Uint32Array(folded.length)
  let end = 0
  folded.forEach((f, i) => (ends[i] = end += Buffer.byteLength(f)))
  const bytes = Buffer.from(folded.join(""))
  const rowText = (i: number) => bytes.toString("utf8", i === 0 ? 0 : ends[i - 1], ends[i])
  return [
    ...matchingRows(
      textLeaf(query),
      bytes,
      ends,
      Uint8Array.from(active, (a) => (a ? 1 : 0)),
      rowText
    )
  ]
}

describe("one search through a block's text", () => {
  test("finds exactly the rows a row-by-row check finds, words and phrases, prefixes, any text", () => {
    const piece = fc.constantFrom(
      "time",
      "timeout",
      "Timeout",
      "TIME-OUT",
      "out",
      "é",
      "café",
      "cafe\u0301",
      "ß",
      "İ",
      "日本",
      "😀",
      " ",
      "-",
      ".",
      "\n",
      "0",
      "42"
    )
    const text = fc.array(piece, { maxLength: 8 }).map((p) => p.join(""))
    const query = fc.oneof(
      fc.record({ kind: fc.constant("term" as const), value: text, prefix: fc.boolean() }),
      fc.record({ kind: fc.constant("phrase" as const), value: text })
    )
    fc.assert(
      fc.property(query, fc.array(fc.tuple(text, fc.boolean()), { maxLength: 12 }), (q, rows) => {
        const messages = rows.map(([m]) => m)
        const active = rows.map(([, a]) => a)
        expect(searchAll(q, messages, active)).toEqual(rowsOneByOne(q, messages, active))
      }),
      { numRuns: 3000 }
    )
  })

  test("a word at the end of one row and the start of the next is not one word", () => {
    expect(searchAll({ kind: "term", value: "timeout", prefix: false }, ["time", "out", "timeout"], [true, true, true])).toEqual([0, 0, 1])
  })
})
