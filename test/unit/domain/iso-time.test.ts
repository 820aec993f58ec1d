import { describe, expect, test } from "bun:test"
import fc from "fast-check"
import { parseIsoUtc } from "../../../src/domain/iso-time.ts"
import { parseTimestamp } from "../../../src/domain/event-time.ts"

/** The hand-written reader is only a shortcut: wherever it answers, Date.parse must agree. */

const pad = (n: number, width: number) => String(n).padStart(width, "0")

// Each field slightly beyond its range, so the edges Date.parse decides (Feb 30, 24:00, :60) come up.
const isoLike = fc
  .record({
    year: fc.integer({ min: 0, max: 9999 }),
    month: fc.integer({ min: 0, max: 13 }),
    day: fc.integer({ min: 0, max: 32 }),
    hour: fc.integer({ min: 0, max: 25 }),
    minute: fc.integer({ min: 0, max: 60 }),
    second: fc.integer({ min: 0, max: 60 }),
    fraction: fc.option(fc.stringMatching(/^[0-9]{0,12}$/), { nil: undefined })
  })
  .map(
    ({ year, month, day, hour, minute, second, fraction }) =>
      `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}${fraction === undefined ? "" : `.${fraction}`}Z`
  )

describe("ISO-8601 UTC fast path", () => {
  test("agrees with Date.parse wherever it answers", () => {
    fc.assert(
      fc.property(fc.oneof(isoLike, fc.string({ minLength: 20, maxLength: 30 })), (text) => {
        const fast = parseIsoUtc(text)
        if (fast !== undefined) expect(fast).toBe(Date.parse(text))
      }),
      { numRuns: 20_000 }
    )
  })

  test("answers for everything toISOString prints in years 0000–9999", () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.parse("0000-01-01T00:00:00Z"), max: Date.parse("9999-12-31T23:59:59.999Z") }), (ms) => {
        expect(parseIsoUtc(new Date(ms).toISOString())).toBe(ms)
      }),
      { numRuns: 20_000 }
    )
  })

  test("keeps milliseconds from 1 to 9 fraction digits, as Date.parse does", () => {
    expect(parseIsoUtc("2026-01-02T03:04:05.6Z")).toBe(Date.parse("2026-01-02T03:04:05.600Z"))
    expect(parseIsoUtc("2026-01-02T03:04:05.123456Z")).toBe(Date.parse("2026-01-02T03:04:05.123Z"))
    expect(parseIsoUtc("2026-01-02T03:04:05.999999999Z")).toBe(Date.parse("2026-01-02T03:04:05.999Z"))
  })

  test.each([
    "2026-02-30T00:00:00Z",
    "2026-01-01T24:00:00Z",
    "2026-01-01t00:00:00z",
    "2026-01-01 00:00:00Z",
    "2026-01-01T00:00Z",
    "2026-01-01T00:00:00.Z",
    "2026-01-01T00:00:00+02:00",
    "2026-01-01T00:00:00",
    "2026-01-01",
    "+012026-01-01T00:00:00Z",
    "2026-01-01T00:00:00.1234567890Z",
    "２０２６-01-01T00:00:00Z"
  ])("leaves %p to Date.parse, with the same result as before", (text) => {
    expect(parseIsoUtc(text)).toBeUndefined()
    const ms = Date.parse(text)
    expect(parseTimestamp(text)).toBe(Number.isNaN(ms) ? undefined : ms)
  })
})
