import { describe, expect, test } from "bun:test"
import { parseTextQuery } from "../../../src/domain/text-query.ts"
import { addClause, attributeField, fieldClause } from "../../../ui/query-clause.ts"
import { ruleQuery } from "../../../ui/rule-query.ts"

describe("a click in the field list adds a clause the query language reads back exactly", () => {
  test("plain, spaced, wildcard-like and comparison-like values each select that value only", () => {
    for (const value of ["checkout", "web 1", "a*b", ">500", "[x TO y]", "(paren)", "ünïcode-1.2"]) {
      expect(parseTextQuery(fieldClause("host", value)!)).toEqual({ kind: "field", field: "host", op: "eq", value })
    }
  })

  test("the negation excludes the value", () => {
    expect(parseTextQuery(fieldClause("service", "pay api", true)!)).toEqual({
      kind: "not",
      child: { kind: "field", field: "service", op: "eq", value: "pay api" }
    })
  })

  test("attribute keys read as attributes, also when named like a record field", () => {
    expect(parseTextQuery(fieldClause(attributeField("status"), "500")!)).toMatchObject({ field: "attributes.status" })
    expect(parseTextQuery(fieldClause(attributeField("service"), "x")!)).toMatchObject({ field: "attributes.service" })
  })

  test("what the language cannot say exactly gets no clause", () => {
    expect(fieldClause("message", 'say "hi"')).toBeUndefined()
    expect(fieldClause("host", "")).toBeUndefined()
    expect(fieldClause("bad key", "x")).toBeUndefined()
  })

  test("the clause narrows the whole query, an OR included", () => {
    expect(addClause("", "level:ERROR")).toBe("level:ERROR")
    expect(addClause("declined", "level:ERROR")).toBe("declined level:ERROR")
    expect(addClause("a OR b", "level:ERROR")).toBe("(a OR b) level:ERROR")
  })
})

describe("a triggered alert links to a search for what its rule counts", () => {
  test("services and levels each as alternatives, the rule's own query ANDed", () => {
    const query = ruleQuery({ services: ["pay api", "cart"], levels: ["ERROR", "FATAL"], query: "declined OR refused" })
    expect(query).toBe('(service:"pay api" OR service:cart) (level:ERROR OR level:FATAL) (declined OR refused)')
    expect(parseTextQuery(query)).toMatchObject({ kind: "and", children: [{ kind: "or" }, { kind: "or" }, { kind: "or" }] })
  })

  test("a rule on everything searches everything", () => {
    expect(ruleQuery({ services: [], levels: [], query: null })).toBe("")
    expect(ruleQuery({ services: ["api"], levels: [], query: " " })).toBe("service:api")
  })
})
