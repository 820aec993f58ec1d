import { describe, expect, test } from "bun:test"
import { detectedType } from "../../../src/api/routes/loki/drilldown.ts"
import { compileLinePattern, lokiPattern } from "../../../src/query/logql/line-pattern.ts"
import { parseLogql } from "../../../src/query/logql/parser.ts"

/** Loki's pattern match filters (`|>`, `!>`), LogFlow's patterns written as Loki's, and the field types of detected_fields. */

describe("pattern line filters match as Loki's pattern.Matcher.Test", () => {
  // The cases of Loki's own comment in pkg/logql/log/pattern/pattern.go, and a few more.
  test.each([
    ["<_> bar", "foo bar baz", false],
    ["<_> baz", "foo bar baz", true],
    ["foo <_>", "foo bar baz", true],
    ["<_> bar <_>", " bar ", false],
    ["<_>bar<_>", " bar ", true],
    ["<_> timeout after <_>", "Upstream timeout after 30s", true],
    ["<_> timeout after <_>", "Upstream timeout after ", false],
    ["<_> timeout after <_>", "timeout after 30s", false],
    ["exact line", "exact line", true],
    ["exact line", "exact line and more", false],
    ["<_>", "", false]
  ])("%j on %j: %p", (pattern, line, matches) => {
    expect(compileLinePattern(pattern)(line)).toBe(matches)
  })

  test("named and consecutive captures are refused, as in Loki", () => {
    expect(() => parseLogql('{a="b"} |> "<name> x"')).toThrow("named captures")
    expect(() => parseLogql('{a="b"} |> "x <_><_>"')).toThrow("consecutive captures")
  })
})

test("a LogFlow template reads as a Loki pattern: every variable part one <_>", () => {
  expect(lokiPattern("Upstream timeout calling <*> after <DURATION>")).toBe("Upstream timeout calling <_> after <_>")
  expect(lokiPattern("user <ID> from <IP><*> done")).toBe("user <_> from <_> done")
  expect(lokiPattern("plain text")).toBe("plain text")
})

test.each([
  ["200", "int"],
  ["-3", "int"],
  ["0.12", "float"],
  ["1e3", "float"],
  ["true", "boolean"],
  ["F", "boolean"],
  ["12ms", "duration"],
  ["1h30m", "duration"],
  ["10KB", "bytes"],
  ["1.5 MiB", "bytes"],
  ["/cart", "string"],
  ["order placed", "string"]
] as const)("detected_fields types %j as %s, as Loki's determineType", (value, type) => {
  expect(detectedType(value)).toBe(type)
})
