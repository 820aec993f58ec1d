import { describe, expect, test } from "bun:test"
import { highlightPattern, highlightTerms } from "../../../ui/highlight-pattern.ts"

const marked = (query: string, text: string) => [...text.matchAll(highlightPattern(query) ?? /$^/g)].map((m) => m[0])

describe("the console marks what a query matched in a message", () => {
  test("free words and phrases, not field conditions, operators or negated words", () => {
    expect(highlightTerms('declined service:checkout AND "order 12" NOT refund -retry level:"ERROR"')).toEqual([
      { text: "declined", prefix: false },
      { text: "order 12", prefix: false }
    ])
  })

  test("whole words only, case-insensitive; a trailing * marks words starting with the prefix", () => {
    expect(marked("time", "Timeout after time-out, TIME")).toEqual(["time", "TIME"])
    expect(marked("time*", "Timeout after time-out")).toEqual(["Timeout", "time"])
    expect(marked('"card  declined"', "card declined for card")).toEqual(["card declined"])
  })

  test("characters that mean something to a regular expression are taken literally", () => {
    expect(marked("a.b (x+y)", "a.b axb x+y")).toEqual(["a.b", "x+y"])
  })

  test("nothing to mark without free text", () => {
    expect(highlightPattern("service:api level:ERROR")).toBeUndefined()
    expect(highlightPattern("")).toBeUndefined()
  })
})
