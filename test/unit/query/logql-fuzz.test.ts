import { describe, expect, test } from "bun:test"
import fc from "fast-check"
import { LogqlError } from "../../../src/query/logql/errors.ts"
import { formatQuery } from "../../../src/query/logql/format.ts"
import { MAX_QUERY_LENGTH, parseLogql } from "../../../src/query/logql/parser.ts"

/**
 * The LogQL parser on hostile input: whatever the text, it returns an AST or throws a LogqlError
 * (a 400 for the API), never another error, and no input makes it recurse or loop without end
 * (the test's own timeout would catch a hang). What it accepts prints back to text that parses
 * to the same AST.
 */

const VALID = [
  '{service_name="checkout"}',
  '{service="x", level=~"error|warn"} |= "timeout" != "retry"',
  '{a="b"} |~ "t.*o" | json | status >= 500 and path=~"/api.*"',
  '{a="b"} | logfmt level, d="duration" | d > 1s | line_format "{{.level}} {{.d}}"',
  '{a="b"} | label_format x="{{.a}}-y", b=a | drop x | keep a, b',
  'sum by (level) (count_over_time({service="x"}[1m]))',
  'sum(rate({a="b"} |= "x" [5m])) by (host) * 60 > bool 10',
  'quantile_over_time(0.99, {a="b"} | json | unwrap duration(latency) [5m]) by (host)',
  'topk(3, sum by (service_name) (bytes_over_time({service_name=~".+"}[1h])))',
  'avg_over_time({a="b"} | logfmt | unwrap bytes(size) [10m] offset 1h)',
  "vector(1)+vector(1)",
  '-sum(count_over_time({a="b"}[1m])) / 2 ^ 3 % 4',
  'sum(count_over_time({a="b"}[1m])) or sum(count_over_time({c="d"}[1m]))'
]

const ALPHABET = [..."{}()[]|=!~\"'`,.*+-/%^<>: \\\nabcz019_", "by", "without", "sum", "rate", "json", "unwrap", "[5m]", "or", "and"]

/** A valid query with a few characters deleted, inserted or replaced. */
const mutated = fc
  .tuple(
    fc.constantFrom(...VALID),
    fc.array(fc.tuple(fc.constantFrom("delete", "insert", "replace"), fc.nat(), fc.constantFrom(...ALPHABET)), { minLength: 1, maxLength: 4 })
  )
  .map(([query, edits]) =>
    edits.reduce((text, [kind, at, piece]) => {
      const i = text.length === 0 ? 0 : at % text.length
      if (kind === "delete") return text.slice(0, i) + text.slice(i + 1)
      if (kind === "insert") return text.slice(0, i) + piece + text.slice(i)
      return text.slice(0, i) + piece + text.slice(i + 1)
    }, query)
  )

/** Parses, and checks the only failure is a LogqlError; returns the AST or undefined. */
const parseOrRefuse = (text: string) => {
  try {
    return parseLogql(text)
  } catch (error) {
    if (!(error instanceof LogqlError)) throw new Error(`${JSON.stringify(text)} threw ${String(error)}`)
    expect(error.message.length).toBeGreaterThan(0)
    return undefined
  }
}

describe("the LogQL parser under fuzzing", () => {
  test("the valid queries parse and print back to the same AST", () => {
    for (const query of VALID) {
      const ast = parseLogql(query)
      expect(parseLogql(formatQuery(ast))).toEqual(ast)
    }
  })

  test("any text: an AST or a LogqlError", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: "grapheme", maxLength: 100 }), fc.string({ unit: "binary", maxLength: 100 })),
        (text) => {
          parseOrRefuse(text)
        }
      ),
      { numRuns: 3000, seed: 20261207 }
    )
  })

  test("valid queries with a few edits: an AST (that prints back to itself) or a LogqlError", () => {
    fc.assert(
      fc.property(mutated, (text) => {
        const ast = parseOrRefuse(text)
        if (ast) expect(parseLogql(formatQuery(ast))).toEqual(ast)
      }),
      { numRuns: 5000, seed: 20261207 }
    )
  })

  test.each([
    ["deep parentheses", "(".repeat(10_000)],
    ["deep aggregation", `${"sum(".repeat(2000)}count_over_time({a="b"}[1m])${")".repeat(2000)}`],
    ["deep label filter", `{a="b"} | json | ${"(".repeat(5000)}x="1"${")".repeat(5000)}`],
    ["longer than the bound", `{a="b"}${' |= "x"'.repeat(MAX_QUERY_LENGTH)}`],
    ["an unterminated string", `{a="${"\\".repeat(5000)}`],
    ["an unterminated raw string", `{a=\`${"x".repeat(10_000)}`],
    ["a huge number", `${"9".repeat(5000)} + 1`],
    ["an invalid regular expression", '{a=~"(unclosed"}'],
    ["nothing but spaces", " \n\t "]
  ])("%s is refused with a LogqlError", (_, text) => {
    expect(parseOrRefuse(text)).toBeUndefined()
  })
})
