import { describe, expect, test } from "bun:test"
import { Effect, Either } from "effect"
import { textQueryParam } from "../../../src/domain/query-input.ts"

/** Each query limit refuses what goes beyond it, naming its setting; what is within passes. */

const limits = { maxTerms: 10, maxWildcards: 3 }
const check = (query: string) => Effect.runSync(Effect.either(textQueryParam("query", query, Date.now(), limits)))

describe("query limits", () => {
  test("more terms than SEARCH_MAX_TERMS: refused naming the setting and the count", () => {
    const result = check(Array.from({ length: 11 }, (_, i) => `w${i}`).join(" "))
    expect(Either.isLeft(result) && result.left).toMatchObject({ status: 400, field: "query" })
    expect(Either.isLeft(result) && result.left.message).toBe("query: has 11 terms; at most 10 are allowed (SEARCH_MAX_TERMS)")
  })

  test("words, phrases and field conditions all count as terms, under NOT and OR too", () => {
    expect(Either.isLeft(check('a "b c" service:x -d (e OR f) g h i j'))).toBe(false)
    expect(Either.isLeft(check('a "b c" service:x -d (e OR f) g h i j k'))).toBe(true)
  })

  test("more wildcards than SEARCH_MAX_WILDCARDS: prefix words and field wildcards count", () => {
    expect(Either.isLeft(check("a* b* service:pay*"))).toBe(false)
    const result = check("a* b* service:pay* -host:web*")
    expect(Either.isLeft(result) && result.left.message).toBe("query: has 4 wildcard terms; at most 3 are allowed (SEARCH_MAX_WILDCARDS)")
  })
})
