import { describe, expect, test } from "bun:test"
import { PatternBook, type PatternBookOptions } from "../../../src/domain/pattern-book.ts"
import { ulid } from "../../../src/domain/ulid.ts"
import { makeRecord } from "../../support/records.ts"

const book = (overrides: Partial<PatternBookOptions> = {}) =>
  new PatternBook({
    similarity: 0.5,
    maxPerService: 100,
    maxServices: 10,
    maxChildren: 100,
    maxTokens: 64,
    maxPendingMinutes: 1_000,
    newId: ulid,
    ...overrides
  })

const T0 = Date.UTC(2026, 11, 7, 10, 0)

describe("pattern book", () => {
  test("counts each template per minute of event time with its level mix, as deltas since the last flush", () => {
    const b = book()
    b.learn([
      makeRecord({ service: "api", level: "INFO", timestamp: T0 + 5, message: "user 12 logged in" }),
      makeRecord({ service: "api", level: "WARN", timestamp: T0 + 59_999, message: "user 13 logged in" }),
      makeRecord({ service: "api", level: "INFO", timestamp: T0 + 60_000, message: "user 14 logged in" })
    ])
    const first = b.takeChanges()
    expect(first.patterns.map((p) => [p.template, p.count, p.added])).toEqual([["user <NUM> logged in", 3, 3]])
    expect(first.minutes.map((m) => [m.minute - T0, m.count, m.levels])).toEqual([
      [0, 2, [0, 0, 1, 1, 0, 0]],
      [60_000, 1, [0, 0, 1, 0, 0, 0]]
    ])
    b.learn([makeRecord({ service: "api", timestamp: T0, message: "user 15 logged in" })])
    expect(b.takeChanges().patterns.map((p) => [p.count, p.added])).toEqual([[4, 1]])
    expect(b.takeChanges()).toEqual({ patterns: [], minutes: [], evicted: [] })
  })

  test("services beyond the cap are not learned, and say so", () => {
    const b = book({ maxServices: 2 })
    const outcome = b.learn(["a", "b", "c", "c"].map((service) => makeRecord({ service, message: "started" })))
    expect(outcome).toEqual({ learned: 2, serviceCap: 2, pendingFull: 0 })
    expect(b.serviceCount).toBe(2)
  })

  test("pending minute buckets are bounded while nothing is flushed", () => {
    const b = book({ maxPendingMinutes: 1_000 })
    const outcome = b.learn(Array.from({ length: 1_500 }, (_, i) => makeRecord({ timestamp: T0 + i * 60_000, message: "tick" })))
    expect(outcome).toEqual({ learned: 1_000, serviceCap: 0, pendingFull: 500 })
  })

  test("a failed flush is put back and written with the next one", () => {
    const b = book()
    b.learn([makeRecord({ service: "api", timestamp: T0, message: "cache miss" })])
    const failed = b.takeChanges()
    b.putBack(failed)
    b.learn([makeRecord({ service: "api", timestamp: T0, message: "cache miss" })])
    const retried = b.takeChanges()
    expect(retried.patterns.map((p) => p.added)).toEqual([2])
    expect(retried.minutes.map((m) => m.count)).toEqual([2])
  })
})
