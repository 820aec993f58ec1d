import { describe, expect, test } from "bun:test"
import fc from "fast-check"
import { textAutomaton } from "../../../src/domain/text-automaton.ts"
import { type TextLeaf, textLeaf } from "../../../src/domain/text-match.ts"
import { fold } from "../../../src/domain/words.ts"

/**
 * The one-pass matcher of all of a query's words and phrases against the meaning each leaf has
 * on its own (textLeaf, a search per leaf): the same rows, for any set of leaves and any text.
 */

const piece = fc.constantFrom(
  "a",
  "aa",
  "aaa",
  "ab",
  "ba",
  "time",
  "timeout",
  "Timeout",
  "TIME-OUT",
  "out",
  "café",
  "cafe\u0301",
  "ß",
  "日本",
  "😀",
  " ",
  " ",
  "-",
  ".",
  "\n",
  "0",
  "42"
)
const text = fc.array(piece, { maxLength: 10 }).map((p) => p.join(""))
const leaf: fc.Arbitrary<TextLeaf> = fc.oneof(
  fc.record({ kind: fc.constant("term" as const), value: text, prefix: fc.boolean() }),
  fc.record({ kind: fc.constant("phrase" as const), value: text })
)

const blockOf = (messages: ReadonlyArray<string>) => {
  const folded = messages.map(fold)
  const ends = new Uint32Array(folded.length)
  let end = 0
  folded.forEach((f, i) => (ends[i] = end += Buffer.byteLength(f)))
  const bytes = Buffer.from(folded.join(""))
  return { bytes, ends, rowText: (i: number) => bytes.toString("utf8", i === 0 ? 0 : ends[i - 1], ends[i]) }
}

describe("one automaton for all the words and phrases of a query", () => {
  test("finds, for every leaf, exactly the rows that leaf finds on its own", () => {
    fc.assert(
      fc.property(fc.array(leaf, { minLength: 1, maxLength: 8 }), fc.array(fc.tuple(text, fc.boolean()), { maxLength: 10 }), (leaves, rows) => {
        const automaton = textAutomaton(leaves)
        const { bytes, ends, rowText } = blockOf(rows.map(([m]) => m))
        const active = Uint8Array.from(rows, ([, a]) => (a ? 1 : 0))
        const found = automaton.leaves.map(() => new Uint8Array(rows.length))
        automaton.scanRows(bytes, ends, active, rowText, found)
        for (const q of leaves) {
          const expected = rows.map(([m, a]) => (a && textLeaf(q).matches(fold(m)) ? 1 : 0))
          expect([...found[automaton.indexOf(q)]!]).toEqual(expected)
        }
        for (const [m] of rows) {
          const hits = automaton.matchText(fold(m))
          for (const q of leaves) expect(hits[automaton.indexOf(q)] === 1).toBe(textLeaf(q).matches(fold(m)))
        }
      }),
      { numRuns: 3000 }
    )
  })

  test("identical terms are one leaf, and phrases that overlap are each found", () => {
    const automaton = textAutomaton([
      { kind: "term", value: "a", prefix: true },
      { kind: "term", value: "a", prefix: true },
      { kind: "phrase", value: "a a" },
      { kind: "phrase", value: "a a a" },
      { kind: "phrase", value: "a b" }
    ])
    expect(automaton.leaves.length).toBe(4)
    expect([...automaton.matchText("x a a a y")]).toEqual([1, 1, 1, 0])
    expect([...automaton.matchText("a a b")]).toEqual([1, 1, 0, 1])
  })
})
