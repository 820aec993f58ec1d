import { describe, expect, test } from "bun:test"
import { packColumns, unpackColumns } from "../../../actors/pattern-thread-protocol.ts"
import { PatternBook, type PatternBookOptions } from "../../../src/domain/pattern-book.ts"
import { ulid } from "../../../src/domain/ulid.ts"
import { adjustedRandIndex, labelledCorpus, TEMPLATES } from "../../support/pattern-corpus.ts"
import { makeRecord } from "../../support/records.ts"

const book = (overrides: Partial<PatternBookOptions> = {}) =>
  new PatternBook({
    similarity: 0.5,
    maxPerService: 1_000,
    maxServices: 10,
    maxChildren: 100,
    maxTokens: 64,
    maxPendingMinutes: 100_000,
    newId: ulid,
    ...overrides
  })

const T0 = Date.UTC(2026, 11, 7, 10, 0)

describe("pattern book: remembered message shapes", () => {
  test("the labelled corpus is recovered through the shapes as well (adjusted Rand index ≥ 0.9, at most 1.2× as many clusters), most records by shape", () => {
    const corpus = labelledCorpus(24_000)
    const b = book()
    const found = corpus.map(({ message }, i) => b.place({ id: `r${i}`, service: "api", level: "INFO", timestamp: T0, message })!.id)
    const ari = adjustedRandIndex(
      corpus.map((c) => c.label),
      found
    )
    console.log(`pattern quality with shapes: ${b.sizeOf("api")} clusters, adjusted Rand index ${ari.toFixed(4)}, ${b.shapeHits} of ${corpus.length} by shape`)
    expect(ari).toBeGreaterThanOrEqual(0.9)
    expect(b.sizeOf("api")).toBeLessThanOrEqual(Math.ceil(TEMPLATES.length * 1.2))
    expect(b.shapeHits).toBeGreaterThan(0)
  })

  test("a message of a known shape is counted into its template per minute, like any other", () => {
    const b = book()
    b.learn([1, 2, 3].map((n) => makeRecord({ service: "api", level: "ERROR", timestamp: T0 + n * 30_000, message: `timeout after ${n}ms on 10.0.0.${n}` })))
    expect(b.shapeHits).toBe(2)
    const changes = b.takeChanges()
    expect(changes.patterns.map((p) => [p.template, p.count, p.added])).toEqual([["timeout after <DURATION> on <IP>", 3, 3]])
    expect(changes.minutes.map((m) => [m.minute - T0, m.count])).toEqual([
      [0, 1],
      [60_000, 2]
    ])
  })

  test("a shape whose tokens keep digits literally is not remembered (its digits are part of the template)", () => {
    const b = book()
    b.learn(["api v2 ready", "api v3 ready"].map((message) => makeRecord({ service: "api", message })))
    expect(b.shapeHits).toBe(0)
    expect(b.shapesHeld).toBe(0)
  })

  test("a shape whose template was evicted is clustered again, not counted into the evicted one", () => {
    const b = book()
    const first = b.place({ id: "a", service: "api", level: "INFO", timestamp: T0, message: "disk 1 full" })!
    // 64 more clusters in its leaf (3 tokens, first "disk"), each seen later: the leaf evicts its rarest, least recent one.
    const letters = (i: number) => String.fromCharCode(97 + (i % 26)) + String.fromCharCode(97 + Math.floor(i / 26))
    for (let i = 0; i < 64; i++) b.place({ id: `b${i}`, service: "api", level: "INFO", timestamp: T0 + 1 + i, message: `disk q${letters(i)} z${letters(i)}` })
    expect(first.removed).toBe(true)
    const again = b.place({ id: "c", service: "api", level: "INFO", timestamp: T0 + 100, message: "disk 2 full" })!
    expect(again.id).not.toBe(first.id)
    expect([again.count, first.count]).toEqual([1, 1])
  })

  test("memory is bounded: a million distinct random messages never hold more shapes than PATTERNS_SHAPE_CACHE", () => {
    const b = book({ maxPerService: 500, shapeCache: 5_000 })
    let peak = 0
    for (let i = 0; i < 1_000; i++) {
      const batch = Array.from({ length: 1_000 }, (_, j) =>
        makeRecord({
          service: `svc-${j % 3}`,
          message: Array.from({ length: 1 + (j % 7) }, () => Math.random().toString(36).slice(2, 8).replace(/\d/g, "")).join(" ")
        })
      )
      b.learn(batch)
      peak = Math.max(peak, b.shapesHeld)
    }
    expect(peak).toBeLessThanOrEqual(5_000)
    expect(peak).toBeGreaterThan(4_000)
    for (const s of ["svc-0", "svc-1", "svc-2"]) expect(b.sizeOf(s)).toBeLessThanOrEqual(500)
  }, 60_000)

  test("PATTERNS_SHAPE_CACHE=0 remembers none", () => {
    const b = book({ shapeCache: 0 })
    b.learn([1, 2].map((n) => makeRecord({ message: `job ${n} done` })))
    expect([b.shapeHits, b.shapesHeld]).toEqual([0, 0])
  })
})

describe("a batch packed for the learner's thread", () => {
  test("unpacks to the records' ids, services, levels, times and first lines", () => {
    const records = [
      makeRecord({ service: "api", level: "ERROR", timestamp: T0, message: "boom ✓ at 3ms\n\tat Handler.java:42" }),
      makeRecord({ service: "db", level: "DEBUG", timestamp: T0 + 1, message: "" }),
      makeRecord({ service: "api", level: "FATAL", timestamp: T0 + 2, message: "x".repeat(1_500) })
    ]
    expect(unpackColumns(packColumns(records))).toEqual([
      { id: records[0]!.id, service: "api", level: "ERROR", timestamp: T0, message: "boom ✓ at 3ms" },
      { id: records[1]!.id, service: "db", level: "DEBUG", timestamp: T0 + 1, message: "" },
      { id: records[2]!.id, service: "api", level: "FATAL", timestamp: T0 + 2, message: "x".repeat(1_000) }
    ])
    expect(packColumns(records).services).toEqual(["api", "db"])
  })
})
