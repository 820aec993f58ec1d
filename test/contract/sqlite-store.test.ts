import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, test } from "bun:test"
import { Effect, Either, Layer, ManagedRuntime } from "effect"
import { SqliteStoreLive } from "../../src/adapters/log-store/sqlite/store.ts"
import { parseTextQuery } from "../../src/domain/text-query.ts"
import { LogStore } from "../../src/ports/log-store.ts"
import { makeRecord } from "../support/records.ts"
import { logStoreContract } from "./log-store.ts"

const dir = mkdtempSync(join(tmpdir(), "logflow-sqlite-contract-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0

// A file database, as in production (WAL needs a file), fresh for each test.
logStoreContract("SQLite", () => SqliteStoreLive({ path: join(dir, `store-${n++}.db`), synchronous: "NORMAL", countCap: 50 }), 50)
// The same, with reads on reader threads (as the server runs it).
logStoreContract(
  "SQLite on reader threads",
  () => SqliteStoreLive({ path: join(dir, `store-${n++}.db`), synchronous: "NORMAL", countCap: 50, readers: { threads: 2, queue: 16 } }),
  50
)

describe("SQLite store: counting within a time budget", () => {
  test("a search out of counting time still answers its whole page, with the count as a lower bound", async () => {
    const open = (countBudgetMs?: number) =>
      ManagedRuntime.make(
        Layer.orDie(
          SqliteStoreLive({ path: join(dir, "budget.db"), synchronous: "NORMAL", countCap: 10_000, ...(countBudgetMs === undefined ? {} : { countBudgetMs }) })
        )
      )
    const base = Date.parse("2026-11-30T10:00:00Z")
    const records = Array.from({ length: 300 }, (_, i) => makeRecord({ timestamp: base + i, message: `widget ${i}` }))
    const writer = open()
    const store = await writer.runPromise(LogStore)
    // One block per batch: counting has many blocks to go through.
    for (let i = 0; i < records.length; i += 10) await writer.runPromise(store.index(records.slice(i, i + 10)))
    const widget = { limit: 5, text: parseTextQuery("widget")! }
    expect((await writer.runPromise(store.search(widget))).total).toBe(300)
    await writer.dispose()

    const hurried = open(0)
    const page = await hurried.runPromise(Effect.flatMap(LogStore, (s) => s.search(widget)))
    await hurried.dispose()
    expect(page.logs.map((l) => l.id)).toEqual(
      records
        .slice(-5)
        .reverse()
        .map((r) => r.id)
    )
    expect(page.total_is_lower_bound).toBe(true)
    expect(page.total).toBeGreaterThanOrEqual(5)
    expect(page.total).toBeLessThan(300)
  })
})

describe("SQLite store: the read budget (SEARCH_TIMEOUT_MS)", () => {
  const base = Date.parse("2026-11-30T12:00:00Z")
  const records = Array.from({ length: 300 }, (_, i) => makeRecord({ timestamp: base + i, message: `gadget ${i}` }))
  const gadget = parseTextQuery("gadget")!
  /** A store of 30 blocks whose budget is gone before it starts: each read does one block's work, then stops. */
  const spent = async () => {
    const path = join(dir, `spent-${n++}.db`)
    const writer = ManagedRuntime.make(Layer.orDie(SqliteStoreLive({ path, synchronous: "NORMAL", countCap: 10_000 })))
    const store = await writer.runPromise(LogStore)
    for (let i = 0; i < records.length; i += 10) await writer.runPromise(store.index(records.slice(i, i + 10)))
    await writer.dispose()
    // On a reader thread, so the budget's failure crosses the thread boundary as it does in the server.
    return ManagedRuntime.make(Layer.orDie(SqliteStoreLive({ path, synchronous: "NORMAL", countCap: 10_000, timeoutMs: 0, readers: { threads: 1, queue: 4 } })))
  }
  const failure = (e: Either.Either<unknown, unknown>) => (Either.isLeft(e) ? (e.left as { _tag: string; status: number; message: string }) : undefined)

  test("a page complete within the budget is answered, its count a lower bound", async () => {
    const runtime = await spent()
    const page = await runtime.runPromise(Effect.flatMap(LogStore, (s) => s.search({ limit: 5, text: gadget })))
    await runtime.dispose()
    expect(page.logs.map((l) => l.id)).toEqual(
      records
        .slice(-5)
        .reverse()
        .map((r) => r.id)
    )
    expect(page.total_is_lower_bound).toBe(true)
  })

  test("a page that needs more blocks than the budget allows stops with 503 naming SEARCH_TIMEOUT_MS", async () => {
    const runtime = await spent()
    const outcome = await runtime.runPromise(Effect.either(Effect.flatMap(LogStore, (s) => s.search({ limit: 25, text: gadget }))))
    await runtime.dispose()
    expect(failure(outcome)?._tag).toBe("QueryTimedOut")
    expect(failure(outcome)?.status).toBe(503)
    expect(failure(outcome)?.message).toContain("SEARCH_TIMEOUT_MS")
  })

  test("histograms and context stop too; facets answer the sample they tallied", async () => {
    const runtime = await spent()
    const histogram = await runtime.runPromise(Effect.either(Effect.flatMap(LogStore, (s) => s.histogram({ text: gadget }, 60_000))))
    const context = await runtime.runPromise(Effect.either(Effect.flatMap(LogStore, (s) => s.context(records.at(-1)!.id, 25, 0))))
    const facets = await runtime.runPromise(Effect.flatMap(LogStore, (s) => s.facets({ text: gadget }, ["service"], 5, 100_000)))
    await runtime.dispose()
    expect(failure(histogram)?._tag).toBe("QueryTimedOut")
    expect(failure(context)?._tag).toBe("QueryTimedOut")
    expect(facets.sampled).toBe(true)
    expect(facets.scanned).toBeLessThan(300)
  })
})

describe("SQLite store: reads while retention deletes", () => {
  test("searches on reader threads answer every time while the blocks they read are dropped and rewritten", async () => {
    const runtime = ManagedRuntime.make(
      Layer.orDie(SqliteStoreLive({ path: join(dir, "retention-race.db"), synchronous: "NORMAL", countCap: 10_000, readers: { threads: 1, queue: 64 } }))
    )
    const store = await runtime.runPromise(LogStore)
    const base = Date.parse("2026-11-30T10:00:00Z")
    // Many small blocks, each spanning the cutoffs below, so retention both drops and rewrites.
    for (let b = 0; b < 400; b++) {
      await runtime.runPromise(store.index(Array.from({ length: 10 }, (_, i) => makeRecord({ timestamp: base + i * 400 + b, message: `widget ${b}` }))))
    }
    let expiring = true
    const failures: string[] = []
    const searches = (async () => {
      while (expiring) {
        const outcome = await runtime.runPromise(Effect.either(store.search({ limit: 50, text: parseTextQuery("widget")! })))
        if (Either.isLeft(outcome)) failures.push(String(outcome.left))
      }
    })()
    for (let step = 1; step <= 10; step++) await runtime.runPromise(store.expire({ cutoff: base + step * 400 }, 200))
    expiring = false
    await searches
    await runtime.dispose()
    expect(failures).toEqual([])
  })
})

describe("SQLite store: top errors", () => {
  test("an error's sample is one of its latest minute, and it is counted in every batch", async () => {
    const runtime = ManagedRuntime.make(Layer.orDie(SqliteStoreLive({ path: join(dir, "top-errors.db"), synchronous: "NORMAL", countCap: 50 })))
    const store = await runtime.runPromise(LogStore)
    const minute = Date.parse("2026-12-01T08:00:00Z")
    const error = (at: number, ms: number) => makeRecord({ timestamp: at, level: "ERROR", message: `upstream timeout after ${ms}ms` })
    // Batches of one minute, then of the next: the later minute's sample replaces the earlier one.
    for (const [at, ms] of [
      [minute, 100],
      [minute + 1_000, 200],
      [minute + 60_000, 300],
      [minute + 61_000, 400]
    ] as const) {
      await runtime.runPromise(store.index([error(at, ms)]))
    }
    const top = await runtime.runPromise(store.topErrors({ from: minute - 60_000, to: minute + 120_000 }, 10))
    await runtime.dispose()
    expect(top.map((e) => [e.fingerprint, e.count, e.last_seen])).toEqual([["upstream timeout after <n>ms", 4, minute + 60_000]])
    expect(["upstream timeout after 300ms", "upstream timeout after 400ms"]).toContain(top[0]!.sample)
  })
})
