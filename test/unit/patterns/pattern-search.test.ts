import { describe, expect, test } from "bun:test"
import { constantRuns, patternSearch } from "../../../src/domain/pattern-search.ts"
import { parseTextQuery } from "../../../src/domain/text-query.ts"

describe("the search of a pattern", () => {
  test("constant words between variable parts become phrases, punctuation and partly variable tokens included", () => {
    expect(constantRuns("Connection pool <NUM> utilised (max=<NUM>)")).toEqual(["connection pool", "utilised max"])
    expect(constantRuns("cache miss for key=<NUM> after <DURATION>")).toEqual(["cache miss for key", "after"])
    expect(constantRuns("<*> <NUM>")).toEqual([])
  })

  test("names its service, and leaves out another template's records that hold the same phrases", () => {
    const query = patternSearch("shop", "User <NUM> logged in", ["User <NUM> logged in", "User <NUM> logged in from <IP>", "cache warmed"])
    expect(query).toBe('service:"shop" "user" "logged in" -"logged in from"')
    expect(parseTextQuery(query)).toBeDefined()
  })

  test("a service name the query language cannot quote is left to the service= filter", () => {
    expect(patternSearch('we"ird', "boot done", [])).toBe('"boot done"')
  })
})
