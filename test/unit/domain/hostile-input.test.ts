import { describe, expect, test } from "bun:test"
import fc from "fast-check"
import { decodeIngestBody, MalformedBody } from "../../../src/ingest/native/decode.ts"
import { parseTextQuery, QuerySyntaxError, type TextQuery } from "../../../src/domain/text-query.ts"

/** Property tests: whatever arrives, the parsers answer with a result or their own error, quickly. */

const NOW = Date.parse("2026-11-30T12:00:00Z")
const QUERY_PIECES = ["a", "timeout", '"', "(", ")", "-", "*", " ", "AND", "OR", "NOT", '"db error"', "pay*", ":", "é", "\\", "'"]

const depth = (q: TextQuery | undefined): number =>
  q === undefined
    ? 0
    : q.kind === "field"
      ? 1
      : q.kind === "not"
        ? 1 + depth(q.child)
        : q.kind === "and" || q.kind === "or"
          ? 1 + Math.max(...q.children.map(depth))
          : 1 // term, phrase, field

describe("text query parser under hostile input", () => {
  test("any string parses or fails with a positioned syntax error, and trees stay shallow", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.array(fc.constantFrom(...QUERY_PIECES), { maxLength: 200 }).map((p) => p.join(" "))
        ),
        (input) => {
          try {
            expect(depth(parseTextQuery(input))).toBeLessThanOrEqual(70)
          } catch (e) {
            expect(e).toBeInstanceOf(QuerySyntaxError)
            expect((e as QuerySyntaxError).position).toBeGreaterThanOrEqual(0)
            expect((e as QuerySyntaxError).position).toBeLessThanOrEqual(input.length)
          }
        }
      ),
      { numRuns: 3000 }
    )
  })

  test("a query printed from a parsed tree parses back to the same tree", () => {
    const word = fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/).filter((w) => !["and", "or", "not"].includes(w))
    const tree: fc.Arbitrary<TextQuery> = fc.letrec<{ q: TextQuery }>((tie) => ({
      q: fc.oneof(
        { depthSize: "small" },
        word.map((value): TextQuery => ({ kind: "term", value, prefix: false })),
        fc.tuple(word, word).map(([a, b]): TextQuery => ({ kind: "phrase", value: `${a} ${b}` })),
        fc.tuple(tie("q"), tie("q")).map(([a, b]): TextQuery => ({ kind: "and", children: [a, b] })),
        fc.tuple(tie("q"), tie("q")).map(([a, b]): TextQuery => ({ kind: "or", children: [a, b] }))
      )
    })).q
    const print = (q: TextQuery): string =>
      q.kind === "term"
        ? q.value
        : q.kind === "phrase"
          ? `"${q.value}"`
          : q.kind === "not"
            ? `NOT (${print(q.child)})`
            : q.kind === "field"
              ? `${q.field}:${q.value}`
              : `(${q.children.map(print).join(q.kind === "and" ? " AND " : " OR ")})`
    const flatten = (q: TextQuery): TextQuery =>
      q.kind === "and" || q.kind === "or"
        ? {
            kind: q.kind,
            children: q.children.map(flatten).flatMap((c) => (c.kind === "and" || c.kind === "or" ? (c.kind === q.kind ? c.children : [c]) : [c]))
          }
        : q
    fc.assert(
      fc.property(tree, (q) => {
        expect(flatten(parseTextQuery(print(q))!)).toEqual(flatten(q))
      }),
      { numRuns: 500 }
    )
  })
})

describe("ingest decoding under hostile input", () => {
  const valid = JSON.stringify({ service: "api", level: "ERROR", message: "boom", attributes: { user: { id: 1 } } })

  test("random text and mutated valid payloads give records or per-line errors, never a crash", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 500 }),
          fc
            .tuple(fc.nat(valid.length), fc.nat(valid.length), fc.string({ maxLength: 20 }))
            .map(([at, cut, insert]) => valid.slice(0, at) + insert + valid.slice(Math.min(valid.length, at + (cut % 10)))),
          fc.array(fc.oneof(fc.constant(valid), fc.string({ maxLength: 50 })), { maxLength: 30 }).map((lines) => lines.join("\n"))
        ),
        fc.constantFrom("application/json", "application/x-ndjson", null),
        (body, contentType) => {
          try {
            const batch = decodeIngestBody(body, contentType, NOW)
            expect(batch.records.length + batch.rejected).toBeGreaterThanOrEqual(0)
            for (const record of batch.records) expect(typeof record.service).toBe("string")
          } catch (e) {
            expect(e).toBeInstanceOf(MalformedBody)
          }
        }
      ),
      { numRuns: 3000 }
    )
  })

  test("deeply nested JSON is a per-line error, not a stack overflow", () => {
    const deep = "[".repeat(100_000) + "]".repeat(100_000)
    const nestedAttributes = JSON.stringify({ service: "s", message: "m", a: JSON.parse(`${'{"b":'.repeat(50)}1${"}".repeat(50)}`) })
    const batch = decodeIngestBody(`${deep}\n${nestedAttributes}\n${valid}`, "application/x-ndjson", NOW)
    expect(batch.records.length).toBe(1)
    expect(batch.errors.map((e) => e.line)).toEqual([1, 2])
    expect(batch.errors[1]!.message).toContain("nested deeper")
  })
})
