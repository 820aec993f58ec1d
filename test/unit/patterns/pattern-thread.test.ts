import { afterEach, describe, expect, test } from "bun:test"
import { PatternThread } from "../../../actors/pattern-thread.ts"
import { makeRecord } from "../../support/records.ts"

const options = { similarity: 0.5, maxPerService: 100, maxServices: 10, maxChildren: 100, maxTokens: 64, maxPendingMinutes: 1_000 }
let thread: PatternThread | undefined
afterEach(() => thread?.close())

describe("the pattern learner's thread", () => {
  test("learns the batches posted before a take, first lines only, and hands over what changed once", async () => {
    const failures: string[] = []
    thread = new PatternThread(options, 8, (e) => failures.push(e))
    const at = Date.UTC(2026, 11, 7, 10, 0)
    expect(
      thread.learn([1, 2].map((n) => makeRecord({ service: "api", level: "ERROR", timestamp: at, message: `timeout after ${n}ms\n\tat Handler.java:${n}` })))
    ).toBe(true)
    expect(thread.learn([makeRecord({ service: "api", timestamp: at, message: "timeout after 9ms" })])).toBe(true)
    const { changes, outcome } = await thread.take()
    expect(changes.patterns.map((p) => [p.template, p.added])).toEqual([["timeout after <DURATION>", 3]])
    expect(changes.minutes.map((m) => m.levels)).toEqual([[0, 0, 1, 0, 2, 0]])
    expect(outcome).toEqual({ learned: 3, serviceCap: 0, pendingFull: 0 })
    expect((await thread.take()).changes.patterns).toEqual([])
    expect(failures).toEqual([])
  })

  test("refuses batches beyond the ones it may hold unlearned, so memory stays bounded", async () => {
    thread = new PatternThread(options, 1, () => {})
    expect(thread.learn([makeRecord({ message: "first" })])).toBe(true)
    expect(thread.learn([makeRecord({ message: "second" })])).toBe(false)
    expect((await thread.take()).changes.patterns.map((p) => p.template)).toEqual(["first"])
    expect(thread.learn([makeRecord({ message: "third" })])).toBe(true)
  })
})
