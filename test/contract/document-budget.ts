import { describe, expect, test } from "bun:test"
import { Context, Effect, Either, Exit, Layer, Scope } from "effect"
import type { StoreReadError } from "../../src/domain/errors.ts"
import { parseTextQuery } from "../../src/domain/text-query.ts"
import { LogStore } from "../../src/ports/log-store.ts"
import { makeRecord } from "../support/records.ts"

/**
 * SEARCH_TIMEOUT_MS on a document engine, with a query the limits allow that the engine takes
 * long over: 64 wildcard terms (SEARCH_MAX_WILDCARDS' default), each `*x*y*n*` on an attribute
 * whose 20,000 values are 1,000 random letters, so each term walks every byte of every value and
 * matches none (no value holds a digit). Unbounded, the engine answers it in about 2 s
 * (Elasticsearch) to 14 s (OpenSearch) on two cores; bounded, it stops with the budget's error.
 */

const RECORDS = 20_000
const VALUE_BYTES = 1_000
const TERMS = 64
const BUDGET_MS = 200

const costlyQuery = () =>
  Array.from({ length: TERMS }, (_, k) => `w:*${String.fromCharCode(97 + (k % 26))}*${String.fromCharCode(97 + ((k * 7) % 26))}*${k}*`).join(" OR ")

/** A seeded generator, so every run plants the same values. */
const letters = (seed: number) => {
  let x = seed
  return (n: number) => {
    let s = ""
    for (let i = 0; i < n; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0
      s += String.fromCharCode(97 + ((x >>> 16) % 26))
    }
    return s
  }
}

const opened = async (layer: Layer.Layer<LogStore, unknown>) => {
  const scope = await Effect.runPromise(Scope.make())
  const context = await Effect.runPromise(Layer.buildWithScope(layer, scope))
  return { store: Context.get(context, LogStore), close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

/** Search tasks the engine at `host` is running now (its task management API). */
const runningSearches = async (host: string) => {
  const answer = (await (await fetch(`${host}/_tasks?actions=*search*&group_by=none`)).json()) as { tasks: ReadonlyArray<{ action: string }> }
  return answer.tasks.filter((task) => task.action.startsWith("indices:data/read/search")).length
}

/** `open(index, timeoutMs)`: the store on `index`, its reads bounded by `timeoutMs` when given; `host`: the engine's address. */
export const documentBudgetContract = (
  name: string,
  open: (index: string, timeoutMs?: number) => Layer.Layer<LogStore, unknown>,
  index: string,
  host: string
) =>
  describe(`${name} store: the read budget (SEARCH_TIMEOUT_MS)`, () => {
    test("a query the engine takes longer over than the budget stops with 503 naming SEARCH_TIMEOUT_MS", async () => {
      const unbounded = await opened(open(index))
      const bounded = await opened(open(index, BUDGET_MS))
      try {
        const next = letters(20)
        for (let i = 0; i < RECORDS; i += 1_000) {
          await Effect.runPromise(unbounded.store.index(Array.from({ length: 1_000 }, () => makeRecord({ attributes: { w: next(VALUE_BYTES) } }))))
        }
        const text = parseTextQuery(costlyQuery())!
        // The query is costly for this engine: unbounded, it answers (nothing matches), and
        // takes well past the budget, so the stop below is the budget's and not the query's.
        const started = performance.now()
        const page = await Effect.runPromise(unbounded.store.search({ limit: 10, text }))
        const took = performance.now() - started
        expect(page.logs).toEqual([])
        expect(took, `the unbounded query took ${took.toFixed(0)} ms: too little to test a ${BUDGET_MS} ms budget`).toBeGreaterThan(3 * BUDGET_MS)

        const reads: ReadonlyArray<Effect.Effect<unknown, StoreReadError>> = [
          bounded.store.search({ limit: 10, text }),
          bounded.store.histogram({ text }, 60_000)
        ]
        for (const read of reads) {
          const outcome = await Effect.runPromise(Effect.either(read))
          const failure = Either.isLeft(outcome) ? (outcome.left as { _tag: string; status: number; message: string }) : undefined
          expect(failure?._tag).toBe("QueryTimedOut")
          expect(failure?.status).toBe(503)
          expect(failure?.message).toContain(`budget of ${BUDGET_MS} ms (SEARCH_TIMEOUT_MS)`)
        }
        // The searches LogFlow stopped waiting for are cancelled on the engine too (their
        // connections closed), well before they would have ended by themselves; the engine
        // notices a cancellation at its next check, hence the wait.
        const cancelledBy = Date.now() + Math.max(1_000, took / 2)
        let running = await runningSearches(host)
        while (running > 0 && Date.now() < cancelledBy) {
          await Bun.sleep(50)
          running = await runningSearches(host)
        }
        expect(running, "search tasks still running on the engine after LogFlow stopped them").toBe(0)
        // A cheap read on the same store is not stopped. (The engine may still be busy with the
        // searches LogFlow stopped waiting for until it next checks for their cancellation or
        // timeout, so the read is retried until it is free again, within a bound.)
        const deadline = Date.now() + 60_000
        let cheap = await Effect.runPromise(Effect.either(bounded.store.search({ limit: 1 })))
        while (Either.isLeft(cheap) && cheap.left._tag === "QueryTimedOut" && Date.now() < deadline) {
          await Bun.sleep(500)
          cheap = await Effect.runPromise(Effect.either(bounded.store.search({ limit: 1 })))
        }
        expect(Either.isRight(cheap) ? cheap.right.logs.length : cheap.left).toBe(1)
      } finally {
        await bounded.close()
        await unbounded.close()
      }
    }, 180_000)
  })
