import { describe, expect, test } from "bun:test"
import fc from "fast-check"
import { decodeIngestBody, MalformedBody } from "../../../src/ingest/native/decode.ts"
import { parseLevel } from "../../../src/domain/level.ts"
import { LEVELS } from "../../../src/domain/log-record.ts"
import { parseTimestamp } from "../../../src/domain/event-time.ts"
import { normalise } from "../../../src/domain/normalise.ts"
import { ulid, ulidTime } from "../../../src/domain/ulid.ts"

const NOW = Date.parse("2026-11-30T12:00:00.000Z")

describe("normalisation", () => {
  test.each([
    ["warning", "WARN"],
    ["err", "ERROR"],
    ["Error", "ERROR"],
    ["critical", "FATAL"],
    ["notice", "INFO"],
    ["trace", "TRACE"],
    ["dbg", "DEBUG"]
  ])("level %p becomes %p", (raw, level) => {
    expect(parseLevel(raw)).toBe(level as never)
  })

  test("names of an object's own machinery are no level", () => {
    for (const raw of ["constructor", "__proto__", "toString", "hasOwnProperty"]) expect(parseLevel(raw)).toBeUndefined()
  })

  test("canonical level names, and any casing or padding of them, map to themselves", () => {
    for (const level of LEVELS) {
      expect(parseLevel(level)).toBe(level)
      expect(parseLevel(` ${level.toLowerCase()}\t`)).toBe(level)
      expect(parseLevel(level[0] + level.slice(1).toLowerCase())).toBe(level)
    }
  })

  test("records keep their key order, optional fields only when given and attributes last", () => {
    const full = normalise({ attributes: { a: 1 }, correlation_id: "c", span_id: "s", trace_id: "t", host: "h", message: "m", service: "api" }, NOW)
    expect(full.ok && Object.keys(full.record)).toEqual([
      "id",
      "timestamp",
      "received_at",
      "service",
      "level",
      "message",
      "host",
      "trace_id",
      "span_id",
      "correlation_id",
      "attributes"
    ])
    const some = normalise({ service: "api", message: "m", span_id: "s", host: "" }, NOW)
    expect(some.ok && Object.keys(some.record)).toEqual(["id", "timestamp", "received_at", "service", "level", "message", "span_id", "attributes"])
  })

  test("a missing timestamp gets the receive time, a missing level INFO", () => {
    const result = normalise({ service: "api", message: "hello" }, NOW)
    expect(result.ok && result.record).toMatchObject({ timestamp: NOW, received_at: NOW, level: "INFO" })
  })

  test("unknown fields land in attributes, nested objects flattened with dots", () => {
    const result = normalise({ service: "api", message: "m", user_id: 42, http: { status: 500, ok: false }, tags: ["a", "b"], gone: null }, NOW)
    expect(result.ok && result.record.attributes).toEqual({ user_id: 42, "http.status": 500, "http.ok": false, tags: '["a","b"]' })
  })

  test("timestamps in ISO-8601 and epoch seconds, milliseconds and nanoseconds agree", () => {
    const ms = Date.parse("2026-01-02T03:04:05.678Z")
    expect(parseTimestamp("2026-01-02T03:04:05.678Z")).toBe(ms)
    expect(parseTimestamp(ms)).toBe(ms)
    expect(parseTimestamp(ms / 1000)).toBe(ms)
    expect(parseTimestamp(ms * 1_000_000)).toBe(ms)
    expect(parseTimestamp("yesterday")).toBeUndefined()
    expect(parseTimestamp(1e25)).toBeUndefined() // beyond what a date can hold
  })

  test.each([
    [{ message: "no service" }, "'service' is required"],
    [{ service: "api" }, "'message' is required"],
    [{ service: "api", message: "m", level: "loud" }, "'level' must be one of"],
    [{ service: "api", message: "m", timestamp: "not a date" }, "'timestamp' must be"],
    [{ service: "api", message: "m", id: "42" }, "'id' must be a ULID"],
    [{ service: "api", message: "m", host: "h".repeat(300) }, "'host' is longer than 256"],
    [{ service: "api", message: "m", level: 5 }, "'level' must be one of"],
    [[1, 2], "must be a JSON object"]
  ])("rejects %p naming the field", (input, error) => {
    const result = normalise(input, NOW)
    expect(result.ok).toBe(false)
    expect(!result.ok && result.error).toContain(error)
  })

  test("a client-supplied ULID is kept, so retries are idempotent", () => {
    const id = ulid()
    const result = normalise({ service: "api", message: "m", id }, NOW)
    expect(result.ok && result.record.id).toBe(id)
  })
})

describe("ulid", () => {
  test("ids sort in creation order, even within one millisecond and across carries of the random part", () => {
    // Later than any id made so far in this process: ids never go back in time (monotonic).
    const later = Date.now() + 3_600_000
    // More than 32³: the increments carry into the last three digits.
    const ids = Array.from({ length: 40_000 }, () => ulid(later))
    expect([...ids].sort()).toEqual(ids)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids.every((id) => ulidTime(id) === later)).toBe(true)
  })
})

describe("ingest body", () => {
  test("one malformed line in a batch of 1,000 rejects that line only", () => {
    const lines = Array.from({ length: 1000 }, (_, i) => (i === 500 ? '{"service": broken' : JSON.stringify({ service: "s", message: `m${i}` })))
    const batch = decodeIngestBody(lines.join("\n"), "application/x-ndjson", NOW)
    expect(batch.records.length).toBe(999)
    expect(batch.rejected).toBe(1)
    expect(batch.errors).toEqual([{ line: 501, message: expect.stringContaining("invalid JSON") }])
  })

  test("accepts a single JSON object and a JSON array", () => {
    expect(decodeIngestBody(JSON.stringify({ service: "s", message: "m" }), "application/json", NOW).records.length).toBe(1)
    const array = decodeIngestBody(JSON.stringify([{ service: "s", message: "m" }, { message: "no service" }]), "application/json", NOW)
    expect(array.records.length).toBe(1)
    expect(array.errors).toEqual([{ line: 2, message: expect.stringContaining("'service'") }])
  })

  test("NDJSON sent as application/json is still read line by line", () => {
    const body = `${JSON.stringify({ service: "s", message: "a" })}\n${JSON.stringify({ service: "s", message: "b" })}\n`
    expect(decodeIngestBody(body, "application/json", NOW).records.map((r) => r.message)).toEqual(["a", "b"])
  })

  test("NDJSON bodies of any mix of lines give what reading them line by line gives", () => {
    // Lines of every kind the whole-body parse must either read alike or leave to the line by line one.
    const line = fc.oneof(
      fc.record({ service: fc.constantFrom("a", "b"), message: fc.string({ maxLength: 20 }) }).map((r) => JSON.stringify(r)),
      fc.record({ service: fc.constantFrom("a", ""), message: fc.string({ maxLength: 5 }) }).map((r) => `  ${JSON.stringify(r)}\r`),
      fc.constantFrom(
        "",
        "   ",
        "\t",
        '{"service": broken',
        '"just text"',
        "42",
        "[1,2]",
        '{"service":"a","message":"x"} {"service":"a","message":"y"}',
        // Parts of records over two lines, some ending or starting like a whole one.
        '{"service":"a",',
        '"message":"m"}',
        '"message":"m"} {"service":"a","message":"y"}',
        '{"service":"a","message":"m","x":{"y":1}',
        "}",
        '{"message":"m","service":"a"}}',
        "\u00a0"
      )
    )
    const lineByLine = (body: string) => {
      const records: Array<{ line: number; message: string }> = []
      const errors: Array<{ line: number; message: string }> = []
      body.split("\n").forEach((text, i) => {
        if (text.trim() === "") return
        let value: unknown
        try {
          value = JSON.parse(text)
        } catch (e) {
          errors.push({ line: i + 1, message: `invalid JSON: ${(e as Error).message}` })
          return
        }
        const result = normalise(value, NOW)
        if (result.ok) records.push({ line: i + 1, message: result.record.message })
        else errors.push({ line: i + 1, message: result.error })
      })
      return { messages: records.map((r) => r.message), errors }
    }
    fc.assert(
      fc.property(fc.array(line, { minLength: 2, maxLength: 30 }), (lines) => {
        const body = lines.join("\n")
        const batch = decodeIngestBody(body, "application/x-ndjson", NOW)
        const expected = lineByLine(body)
        expect({ messages: batch.records.map((r) => r.message), errors: batch.errors }).toEqual(expected)
        expect(batch.rejected).toBe(expected.errors.length)
      }),
      { numRuns: 500 }
    )
  })

  test("a record over two lines beside two on one line is rejected line by line", () => {
    const body = ['{"service":"a",', '"message":"m"} {"service":"a","message":"y"}', '{"service":"a","message":"z"}'].join("\n")
    const batch = decodeIngestBody(body, "application/x-ndjson", NOW)
    expect(batch.records.map((r) => r.message)).toEqual(["z"])
    expect(batch.errors.map((e) => e.line)).toEqual([1, 2])
  })

  test("a single line that is not JSON is a malformed body", () => {
    expect(() => decodeIngestBody("{nope", "application/json", NOW)).toThrow(MalformedBody)
  })
})
