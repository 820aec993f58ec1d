import { describe, expect } from "bun:test"
import { Effect } from "effect"
import { makeTailHub } from "../../../actors/tail-hub.ts"
import { effectTest, waitUntil } from "../../support/effect.ts"
import { makeRecord } from "../../support/records.ts"

describe("tail hub", () => {
  effectTest("a subscriber that falls behind is told how many lines it missed, and the sender never waits", () =>
    Effect.gen(function* () {
      const hub = yield* makeTailHub({ capacity: 100, subscriberBuffer: 3 })
      const subscription = yield* hub.subscribe(() => true)
      for (let i = 0; i < 5; i++) expect(yield* hub.actor.send([makeRecord({ message: `line ${i}` })])).toBe(true)
      yield* waitUntil(
        Effect.sync(() => hub.actor.stats.handled),
        (n) => n === 5
      )
      const { records, missed } = yield* subscription.next
      expect(records.map((r) => r.message)).toEqual(["line 0", "line 1", "line 2"])
      expect(missed).toBe(2)
    })
  )

  effectTest("a closed subscription no longer receives records", () =>
    Effect.gen(function* () {
      const hub = yield* makeTailHub({ capacity: 10, subscriberBuffer: 10 })
      yield* Effect.scoped(hub.subscribe(() => true))
      expect(hub.subscriberCount()).toBe(0)
    })
  )
})
