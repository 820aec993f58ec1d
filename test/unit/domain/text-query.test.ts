import { describe, expect, test } from "bun:test"
import { checkFieldQueries } from "../../../src/domain/field-query.ts"
import { parseTextQuery, QuerySyntaxError } from "../../../src/domain/text-query.ts"
import { parseTime } from "../../../src/domain/search-request.ts"

describe("text query syntax", () => {
  test("adjacent words mean AND; phrases stay whole", () => {
    expect(parseTextQuery('db "connection reset"')).toEqual({
      kind: "and",
      children: [
        { kind: "term", value: "db", prefix: false },
        { kind: "phrase", value: "connection reset" }
      ]
    })
  })

  test("OR binds looser than AND; NOT and -word negate; parentheses group", () => {
    expect(parseTextQuery("a b OR -c")).toEqual({
      kind: "or",
      children: [
        {
          kind: "and",
          children: [
            { kind: "term", value: "a", prefix: false },
            { kind: "term", value: "b", prefix: false }
          ]
        },
        { kind: "not", child: { kind: "term", value: "c", prefix: false } }
      ]
    })
    expect(parseTextQuery("NOT (a OR pay*)")).toEqual({
      kind: "not",
      child: {
        kind: "or",
        children: [
          { kind: "term", value: "a", prefix: false },
          { kind: "term", value: "pay", prefix: true }
        ]
      }
    })
  })

  test("field:value, quoted values, wildcards, ranges and comparisons", () => {
    expect(parseTextQuery("service:api")).toEqual({ kind: "field", field: "service", op: "eq", value: "api" })
    expect(parseTextQuery("user_id:42")).toEqual({ kind: "field", field: "attributes.user_id", op: "eq", value: "42" })
    expect(parseTextQuery("attributes.user_id:42")).toEqual({ kind: "field", field: "attributes.user_id", op: "eq", value: "42" })
    expect(parseTextQuery('host:"web 1"')).toEqual({ kind: "field", field: "host", op: "eq", value: "web 1" })
    expect(parseTextQuery("service:pay*")).toEqual({ kind: "field", field: "service", op: "wildcard", value: "pay*" })
    expect(parseTextQuery("status:[500 TO 599]")).toEqual({ kind: "field", field: "attributes.status", op: "range", value: "500", to: "599" })
    expect(parseTextQuery("duration_ms:>=1000")).toEqual({ kind: "field", field: "attributes.duration_ms", op: "gte", value: "1000" })
    expect(parseTextQuery("timeout -level:debug")).toEqual({
      kind: "and",
      children: [
        { kind: "term", value: "timeout", prefix: false },
        { kind: "not", child: { kind: "field", field: "level", op: "eq", value: "debug" } }
      ]
    })
    expect(checkFieldQueries(parseTextQuery("level:>=warn"), Date.now())).toContain("not a range")
    expect(checkFieldQueries(parseTextQuery("level:warning"), Date.now())).toBeUndefined()
    expect(() => parseTextQuery("status:[500 599]")).toThrow(/a range like/)
    expect(() => parseTextQuery("status:[500 TO")).toThrow(/']'/)
  })

  test("punctuation-only words are dropped, as every tokenizer drops them", () => {
    expect(parseTextQuery("logs; --")).toEqual({ kind: "term", value: "logs;", prefix: false })
    expect(parseTextQuery("-- ;")).toBeUndefined()
  })

  test("NOT NOT cancels out; too deep or too long a query is refused", () => {
    expect(parseTextQuery("NOT -a")).toEqual({ kind: "term", value: "a", prefix: false })
    expect(() => parseTextQuery(`${"-".repeat(40)}a`)).toThrow(/nested NOTs/)
    expect(() => parseTextQuery(`${"(".repeat(40)}a${")".repeat(40)}`)).toThrow(/nested/)
    expect(() => parseTextQuery(Array.from({ length: 300 }, (_, i) => `w${i}`).join(" "))).toThrow(/at most 256/)
  })

  test.each([
    ["(timeout", 8, "')'"],
    ['"unclosed', 9, "closing quote"],
    ["a OR", 4, "a word"],
    ["a )", 2, "AND, OR or the end"]
  ])("%p is a syntax error at position %p expecting %p", (query, position, expected) => {
    try {
      parseTextQuery(query)
      throw new Error("expected a syntax error")
    } catch (e) {
      expect(e).toBeInstanceOf(QuerySyntaxError)
      expect((e as QuerySyntaxError).position).toBe(position)
      expect((e as QuerySyntaxError).message).toContain(expected)
    }
  })
})

describe("time parameters", () => {
  const now = Date.parse("2026-11-30T12:00:00Z")
  test.each([
    ["now", now],
    ["now-15m", now - 15 * 60_000],
    ["now-2h", now - 2 * 3_600_000],
    ["2026-11-30T11:00:00Z", now - 3_600_000],
    [String(now), now]
  ])("%p", (text, expected) => expect(parseTime(text, now)).toBe(expected))

  test("rejects what it cannot read, or what no date can hold", () => {
    expect(parseTime("last tuesday", now)).toBeUndefined()
    expect(parseTime("9999999999999999", now)).toBeUndefined()
  })
})
