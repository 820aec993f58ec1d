import { describe, expect, test } from "bun:test"
import { parseLogql } from "../../../src/query/logql/parser.ts"
import { exceededRegexLimit, regexesOf } from "../../../src/query/logql/regex-limits.ts"

/** A LogQL query holds a bounded number of regular expressions, each of bounded length, each limit named in its 400. */

const limits = { maxRegex: 3, maxRegexLength: 20 }

describe("LogQL regex limits", () => {
  test("every place a query holds a regular expression is counted", () => {
    const query = parseLogql('sum(count_over_time({service=~"a.*", host!~"b"} |~ "c" or "d" | logfmt | user=~"e" | drop x=~"f" [5m])) + vector(1)')
    expect(regexesOf(query)).toEqual(["a.*", "b", "c", "d", "e", "f"])
  })

  test("more regular expressions than SEARCH_MAX_REGEX: a 400 naming the setting and the count", () => {
    const error = exceededRegexLimit(parseLogql('{service=~"a"} |~ "b" |~ "c" !~ "d"'), limits)
    expect(error?.status).toBe(400)
    expect(error?.message).toBe("query limit exceeded: the query has 4 regular expressions; at most 3 are allowed (SEARCH_MAX_REGEX)")
  })

  test("a regular expression longer than SEARCH_MAX_REGEX_LENGTH: a 400 naming the setting", () => {
    const error = exceededRegexLimit(parseLogql(`{service="a"} |~ "${"x".repeat(21)}"`), limits)
    expect(error?.message).toBe("query limit exceeded: a regular expression of 21 characters; at most 20 are allowed (SEARCH_MAX_REGEX_LENGTH)")
  })

  test("within both limits, and plain matchers and line filters do not count", () => {
    expect(exceededRegexLimit(parseLogql('{service="a", host!="b"} |= "c" != "d" |~ "e"'), limits)).toBeUndefined()
    expect(exceededRegexLimit(parseLogql('{service="a"} |~ "b"'), { maxRegex: 0, maxRegexLength: 20 })?.message).toContain("SEARCH_MAX_REGEX")
  })
})
