import { describe, expect, test } from "bun:test"
import { formatQuery } from "../../../src/query/logql/format.ts"
import { parseLogql } from "../../../src/query/logql/parser.ts"

/** LogQL parses into one AST that prints back canonically; what is outside the subset names itself. */

describe("the LogQL parser", () => {
  test.each([
    ['{service="x"} |= "timeout"', '{service="x"} |= "timeout"'],
    ["vector(1)+vector(1)", "vector(1) + vector(1)"],
    ['count_over_time({a="b"}[5m] |= "x" or "y")', 'count_over_time({a="b"} |= "x" or "y" [5m])'],
    [
      'quantile_over_time(0.99, {a="b"} | json | unwrap duration(latency) [5m]) by (host)',
      'quantile_over_time(0.99, {a="b"} | json | unwrap duration(latency) [5m]) by (host)'
    ],
    ['sum(rate({a="b"}[1m])) * 60 > bool 10', '(sum(rate({a="b"} [1m])) * 60) > bool 10'],
    ['{a="b"} |> "<_> timeout <_>" or "retry <_>" !> "ok"', '{a="b"} |> "<_> timeout <_>" or "retry <_>" !> "ok"']
  ])("%s", (input, printed) => {
    expect(formatQuery(parseLogql(input))).toBe(printed)
  })

  test.each([
    ['{a="b"} | pattern "<x>"', "unsupported LogQL: the '| pattern' stage"],
    ['{a="b"', "parse error at line 1, col 7"],
    ["{}", "at least one regexp or equality matcher"],
    ['sum(count_over_time({a="b"}[5m])) on(a) sum(rate({a="b"}[1m]))', "parse error"]
  ])("refuses %s", (input, message) => {
    expect(() => parseLogql(input)).toThrow(message)
  })
})
