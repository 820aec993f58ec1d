import { describe, expect, test } from "bun:test"
import { previewPlan } from "../../../ui/rule-preview-plan.ts"

describe("the rule preview asks the histogram for what it can answer", () => {
  test("for every window a rule may have: at most 2000 buckets, and windows of whole buckets as near the rule's as can be", () => {
    for (let window = 1; window <= 10_080; window++) {
      const plan = previewPlan(window)
      expect((plan.range + window) / plan.bucket + 1).toBeLessThanOrEqual(2000)
      expect(plan.range).toBeGreaterThanOrEqual(Math.max(60, window))
      if (plan.exact) expect(plan.windowBuckets * plan.bucket).toBe(window)
      else expect(Math.abs(plan.windowBuckets * plan.bucket - window)).toBeLessThanOrEqual(plan.bucket / 2)
    }
  })

  test("common windows are exact: short ones by the minute over the last hour, a day's by the hour", () => {
    expect(previewPlan(5)).toEqual({ bucket: 1, interval: "1m", range: 60, windowBuckets: 5, exact: true })
    expect(previewPlan(60)).toMatchObject({ bucket: 1, range: 240, exact: true })
    expect(previewPlan(1440)).toMatchObject({ bucket: 60, range: 5760, windowBuckets: 24, exact: true })
    expect(previewPlan(10_080)).toMatchObject({ bucket: 60, exact: true })
  })
})
