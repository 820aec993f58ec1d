import { describe, expect, test } from "bun:test"
import { globMatches } from "../../../src/domain/field-query.ts"
import { recordMatcher } from "../../../src/domain/record-matcher.ts"
import { parseTextQuery } from "../../../src/domain/text-query.ts"
import { makeRecord } from "../../support/records.ts"

describe("live-tail matcher", () => {
  const record = makeRecord({ service: "payments", level: "ERROR", message: "Connection timeout after 3000ms to db-primary", correlation_id: "c-1" })
  const matches = (query: string, extra = {}) => recordMatcher({ text: parseTextQuery(query)!, ...extra })(record)

  test.each([
    ["timeout", true],
    ["TIMEOUT", true],
    ["time", false],
    ["time*", true],
    ['"connection timeout"', true],
    ['"timeout connection"', false],
    ["timeout AND primary", true],
    ["timeout -primary", false],
    ["missing OR timeout", true],
    ["NOT (missing OR other)", true],
    ["db-primary", true],
    ["db-secondary", false]
  ])("%p matches: %p", (query, expected) => expect(matches(query)).toBe(expected))

  test.each([
    ["service:payments", true],
    ["service:pay*", true],
    ["level:error", true],
    ["status:[500 TO 599]", true],
    ["status:<500", false],
    ["user_id:42", true],
    ["region:eu*", false],
    ["timeout service:auth", false]
  ])("field query %p matches: %p", (query, expected) => {
    const withAttributes = makeRecord({ ...record, attributes: { status: 502, user_id: "42" } })
    expect(recordMatcher({ text: parseTextQuery(query)! })(withAttributes)).toBe(expected)
  })

  test("wildcards match like SQL LIKE (any case), and no pattern makes them slow", () => {
    expect(globMatches("pay*", "Payments")).toBe(true)
    expect(globMatches("*ment*", "payments")).toBe(true)
    expect(globMatches("pay?", "payx")).toBe(false) // only * is a wildcard
    // A backtracking matcher takes exponential time here and never answers (the test's timeout
    // fails it); how the time grows with terms is `npm run bench -- wildcards`' ratio.
    expect(globMatches(`${"*a".repeat(30)}!`, "a".repeat(5000))).toBe(false)
  })

  test("a record without the field matches its negation; numbers kept as text and booleans compare as stores do", () => {
    const plain = makeRecord({ attributes: { status: "503", ok: true } })
    expect(recordMatcher({ text: parseTextQuery("-host:web-1")! })(plain)).toBe(true)
    expect(recordMatcher({ text: parseTextQuery("status:[500 TO 599]")! })(plain)).toBe(true)
    expect(recordMatcher({ text: parseTextQuery("status:>1000")! })(plain)).toBe(false)
    expect(recordMatcher({ text: parseTextQuery("ok:true")! })(plain)).toBe(true)
    expect(recordMatcher({ text: parseTextQuery("constructor:*")! })(plain)).toBe(false)
    expect(recordMatcher({ text: parseTextQuery("cafe")! })(makeRecord({ message: "Café opened" }))).toBe(true)
  })

  test("filters on service, level and correlation id like search does", () => {
    expect(recordMatcher({ services: ["payments"], levels: ["ERROR"] })(record)).toBe(true)
    expect(recordMatcher({ services: ["auth"] })(record)).toBe(false)
    expect(recordMatcher({ levels: ["INFO", "WARN"] })(record)).toBe(false)
    expect(recordMatcher({ correlation_id: "c-2" })(record)).toBe(false)
  })
})

describe("live-tail matcher's budget", () => {
  test("only the first characters of the message within the budget are matched", () => {
    const record = makeRecord({ message: `${"x ".repeat(1000)}needle` })
    const query = { text: parseTextQuery("needle")! }
    expect(recordMatcher(query)(record)).toBe(true)
    expect(recordMatcher(query, 1000)(record)).toBe(false)
  })

  test("subscribers with other budgets and queries share a record's folded message, each within its own budget", () => {
    const record = makeRecord({ message: `${"Word ".repeat(500)}Ünïcode NEEDLE` })
    const needle = { text: parseTextQuery("needle")! }
    const unicode = { text: parseTextQuery("unicode AND word*")! }
    expect(recordMatcher(needle, 100)(record)).toBe(false)
    expect(recordMatcher(needle)(record)).toBe(true)
    expect(recordMatcher(unicode)(record)).toBe(true)
    expect(recordMatcher(needle, 100)(record)).toBe(false)
    expect(recordMatcher(unicode, 100)(record)).toBe(false)
  })
})
