import { describe, expect, test } from "bun:test"
import fc from "fast-check"
import { globMatcher } from "../../../src/ports/cache.ts"

/** The meaning of a glob, written the obvious way (a regular expression), to compare against. */
const reference = (pattern: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replaceAll("*", ".*")
      .replaceAll("?", ".")}$`,
    "s"
  )

describe("cache key globs", () => {
  test.each([
    ["metrics:*", "metrics:service:api", true],
    ["metrics:*", "search:x", false],
    ["*:service:?", "metrics:service:a", true],
    ["*:service:?", "metrics:service:ab", false],
    ["a*a", "a", false],
    ["*", "", true],
    ["", "", true],
    ["[x]", "[x]", true],
    ["a.b", "axb", false]
  ])("%s against %s: %p", (pattern, key, expected) => {
    expect(globMatcher(pattern)(key)).toBe(expected)
  })

  test("matches exactly what the glob means", () => {
    const text = fc.string({ unit: fc.constantFrom("a", "b", ":", "."), maxLength: 12 })
    const pattern = fc.string({ unit: fc.constantFrom("a", "b", ":", "*", "?"), maxLength: 8 })
    fc.assert(
      fc.property(pattern, text, (p, key) => expect(globMatcher(p)(key)).toBe(reference(p).test(key))),
      { numRuns: 5000 }
    )
  })

  test("a pattern of many stars over planted keys that defeat backtracking is still answered", () => {
    // A regular expression of 100 `.*` over such keys would not finish in this test's lifetime.
    const matches = globMatcher(`${"*a".repeat(100)}*b*`)
    const keys = Array.from({ length: 200 }, () => "a".repeat(2_000))
    expect(keys.filter(matches)).toEqual([])
    expect(matches(`${"a".repeat(2_000)}b${"a".repeat(10)}`)).toBe(true)
  })
})
