import { describe, expect, test } from "bun:test"
import { Effect, Exit, Scope } from "effect"
import { makePatternLearner, type PatternLearnerConfig } from "../../actors/pattern-learner.ts"
import { listPatterns } from "../../src/patterns/list.ts"
import type { MetaDatabase } from "../../src/ports/meta-database.ts"
import { PatternStore } from "../../src/ports/pattern-store.ts"
import { patternStoreLayer } from "../support/pattern-store.ts"
import { makeRecord } from "../support/records.ts"

/**
 * What the pattern store and its learner must do on every metadata engine: templates and
 * per-minute counts written on stop survive a restart, counts add up across writers, the cap
 * per service holds in the store too, and reads by range, service and bucket answer alike.
 */

const MINUTE = 60_000
const T0 = Date.UTC(2026, 11, 7, 10, 0)

const learnerConfig = (maxPerService = 50): PatternLearnerConfig => ({
  capacity: 16,
  flushInterval: "1 hour",
  historyMs: 1_000 * 24 * 3_600_000,
  book: { similarity: 0.5, maxPerService, maxServices: 10, maxChildren: 100, maxTokens: 64, maxPendingMinutes: 100_000 }
})

export const patternStoreContract = (name: string, freshUrl: () => Promise<string>) =>
  describe(`pattern store contract: ${name}`, () => {
    const withStore = async <A>(url: string, body: Effect.Effect<A, unknown, PatternStore | MetaDatabase | Scope.Scope>) =>
      Effect.runPromise(body.pipe(Effect.provide(patternStoreLayer(url)), Effect.scoped))

    /** Runs a learner over some batches, then stops it (which writes what it learned). */
    const learnAndStop = (batches: ReadonlyArray<ReadonlyArray<ReturnType<typeof makeRecord>>>, config = learnerConfig()) =>
      Effect.gen(function* () {
        const scope = yield* Scope.make()
        const learner = yield* makePatternLearner(config).pipe(Scope.extend(scope))
        for (const batch of batches) expect(yield* learner.send(batch)).toBe(true)
        yield* Scope.close(scope, Exit.void)
      })

    const retries = (n: number, minute: number, level: "WARN" | "ERROR" = "WARN") =>
      Array.from({ length: n }, (_, i) =>
        makeRecord({ service: "api", level, timestamp: T0 + minute * MINUTE + i, message: `Retrying connection attempt ${i} to db-primary` })
      )

    test("templates and per-minute counts written on stop are read back by range, and a restarted learner adds to them", async () => {
      const url = await freshUrl()
      await withStore(
        url,
        Effect.gen(function* () {
          yield* learnAndStop([retries(3, 0), retries(2, 1, "ERROR"), [makeRecord({ service: "web", timestamp: T0, message: "GET /health took 3ms" })]])
          const store = yield* PatternStore
          const all = yield* store.totals({ from: T0, to: T0 + 10 * MINUTE })
          const api = all.find((p) => p.service === "api")!
          expect(api).toMatchObject({ template: "Retrying connection attempt <NUM> to db-primary", count: 5, firstSeen: T0, lastSeen: T0 + MINUTE + 1 })
          expect(api.levels).toMatchObject({ WARN: 3, ERROR: 2, INFO: 0 })
          expect((yield* store.totals({ service: "web", from: T0, to: T0 + MINUTE })).map((p) => p.template)).toEqual(["GET /health took <DURATION>"])
          expect((yield* store.totals({ from: T0 + MINUTE, to: T0 + MINUTE })).map((p) => p.count)).toEqual([2])

          // A second learner (a restart) restores the template and adds to its counts under the same id.
          yield* learnAndStop([retries(4, 1)])
          const after = (yield* store.totals({ service: "api", from: T0, to: T0 + 10 * MINUTE }))[0]!
          expect([after.id, after.count]).toEqual([api.id, 9])
          const series = yield* store.series([api.id], { from: T0, to: T0 + 10 * MINUTE }, MINUTE)
          expect(series.map((b) => [b.bucket - T0, b.count]).sort((a, b) => a[0]! - b[0]!)).toEqual([
            [0, 3],
            [MINUTE, 6]
          ])
          expect((yield* store.series([api.id], { from: T0, to: T0 + 10 * MINUTE }, 5 * MINUTE)).map((b) => [b.bucket - T0, b.count])).toEqual([[0, 9]])
        })
      )
    })

    test("the cap per service holds in the store: evicted templates are deleted with their counts", async () => {
      const url = await freshUrl()
      await withStore(
        url,
        Effect.gen(function* () {
          const distinct = Array.from({ length: 40 }, (_, i) =>
            makeRecord({ service: "noisy", timestamp: T0 + i, message: `${"abcdefghijklmnopqrstuvwxyz"[i % 26]}${i} unique words here ${i}x` })
          )
          yield* learnAndStop([distinct], learnerConfig(10))
          const store = yield* PatternStore
          const stored = yield* store.load
          expect(stored.length).toBeLessThanOrEqual(10)
          expect((yield* store.totals({ from: T0 - MINUTE, to: T0 + MINUTE })).length).toBe(stored.length)
        })
      )
    })

    test("two learners that found the same template (a partition moved between workers) are listed as one, their counts added", async () => {
      const url = await freshUrl()
      await withStore(
        url,
        Effect.gen(function* () {
          // Both start before either has written: each learns the template under an id of its own.
          const scopes = [yield* Scope.make(), yield* Scope.make()]
          const learners = yield* Effect.forEach(scopes, (scope) => makePatternLearner(learnerConfig()).pipe(Scope.extend(scope)))
          yield* learners[0]!.send(retries(3, 0))
          yield* learners[1]!.send(retries(2, 1))
          yield* Effect.forEach(scopes, (scope) => Scope.close(scope, Exit.void))
          expect((yield* (yield* PatternStore).load).length).toBe(2)
          const listed = yield* listPatterns({ levels: [], from: T0, to: T0 + 10 * MINUTE, limit: 10 })
          expect(listed.patterns.map((p) => [p.template, p.count])).toEqual([["Retrying connection attempt <NUM> to db-primary", 5]])
          expect(listed.patterns[0]!.series.filter((point) => point.count > 0).map((point) => point.count)).toEqual([3, 2])
        })
      )
    })

    test("pruning forgets old minutes and templates not seen since", async () => {
      const url = await freshUrl()
      await withStore(
        url,
        Effect.gen(function* () {
          yield* learnAndStop([retries(2, 0), [makeRecord({ service: "late", timestamp: T0 + 30 * MINUTE, message: "cache warmed" })]])
          const store = yield* PatternStore
          yield* store.prune(T0 + 10 * MINUTE)
          expect((yield* store.load).map((p) => p.service)).toEqual(["late"])
          expect((yield* store.totals({ from: 0, to: T0 + 60 * MINUTE })).map((p) => p.template)).toEqual(["cache warmed"])
        })
      )
    })

    test("quotes, backslashes and SQL in messages and service names are stored verbatim", async () => {
      const url = await freshUrl()
      const nasty = `x'); DROP TABLE log_patterns; -- "%_\\`
      await withStore(
        url,
        Effect.gen(function* () {
          yield* learnAndStop([[makeRecord({ service: nasty, timestamp: T0, message: nasty })]])
          const [row] = yield* (yield* PatternStore).totals({ service: nasty, from: T0, to: T0 })
          expect([row!.service, row!.template]).toEqual([nasty, nasty])
        })
      )
    })
  })
