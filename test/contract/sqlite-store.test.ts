import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, test } from "bun:test"
import { Effect, Layer, ManagedRuntime } from "effect"
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
