import { describe, expect, test } from "bun:test"
import { dueSlot } from "../../../actors/retention.ts"

// When the retention lease holder runs a pass: one per interval slot, counted from the last pass any process wrote down.
describe("retention slots", () => {
  const interval = 60_000
  const last = { at: 1_000_000, by: "a", deleted: 0 }

  test("the first pass ever is due at once", () => {
    expect(dueSlot(5, interval, undefined, undefined)).toBe(5)
  })

  test("no pass is due before the interval has passed since the last one's slot", () => {
    expect(dueSlot(last.at + interval - 1, interval, last, undefined)).toBeUndefined()
  })

  test("a holder that ticks late still runs the next slot, so passes do not drift", () => {
    expect(dueSlot(last.at + interval + 700, interval, last, undefined)).toBe(last.at + interval)
  })

  test("after a gap with no holder, slots restart from now instead of catching up", () => {
    expect(dueSlot(last.at + 5 * interval, interval, last, undefined)).toBe(last.at + 5 * interval)
  })

  test("a pass asked for after the last one is due at once; one asked for before it is not", () => {
    expect(dueSlot(last.at + 10, interval, last, last.at + 5)).toBe(last.at + 10)
    expect(dueSlot(last.at + 10, interval, last, last.at - 5)).toBeUndefined()
  })
})
