import { afterAll, expect, test } from "bun:test"
import { Database } from "bun:sqlite"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Layer, ManagedRuntime, Option } from "effect"
import { SqliteStoreLive } from "../../src/adapters/log-store/sqlite/store.ts"
import { parseTextQuery } from "../../src/domain/text-query.ts"
import type { Attributes } from "../../src/domain/log-record.ts"
import { LogStore } from "../../src/ports/log-store.ts"
import { makeRecord } from "../support/records.ts"

const dir = mkdtempSync(join(tmpdir(), "logflow-sparse-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Bytes the store's pages hold (the write-ahead log checkpointed into them first). */
const storedBytes = (path: string) => {
  const db = new Database(path)
  db.run("PRAGMA wal_checkpoint(TRUNCATE)")
  const { bytes } = db
    .query<{ bytes: number }, []>(
      "SELECT (page_count - freelist_count) * page_size AS bytes FROM pragma_page_count(), pragma_freelist_count(), pragma_page_size()"
    )
    .get()!
  db.close()
  return bytes
}

test("1,000 records with 100 distinct attribute keys each grow the store by less than 10 MB, and every key is found by key:value, past the column limit too", async () => {
  const path = join(dir, "sparse.db")
  const runtime = ManagedRuntime.make(Layer.orDie(SqliteStoreLive({ path, synchronous: "NORMAL", countCap: 100_000, attributeKeysPerBlock: 512 })))
  try {
    const store = await runtime.runPromise(LogStore)
    await runtime.runPromise(store.index([makeRecord()]))
    const before = storedBytes(path)
    const base = Date.parse("2026-12-07T10:00:00Z")
    const records = Array.from({ length: 1_000 }, (_, i) => {
      const attributes: Attributes = {}
      for (let k = 0; k < 100; k++) attributes[`key_${i}_${k}`] = k % 2 ? `value-${i}-${k}` : i * 100 + k
      return makeRecord({ service: "wide", timestamp: base + i, attributes })
    })
    // One batch: one block of 1,000 records and 100,000 distinct keys.
    await runtime.runPromise(store.index(records))
    const input = records.reduce((n, r) => n + JSON.stringify(r).length, 0)
    const growth = storedBytes(path) - before
    console.log(`sparse attributes: input ${input} bytes as JSON, store grew ${growth} bytes`)
    expect(growth).toBeLessThan(10 * 1024 * 1024)

    const found = async (q: string) => (await runtime.runPromise(store.search({ limit: 5, text: parseTextQuery(q)! }))).logs.map((l) => l.id)
    // The first record's keys got columns (most keys past the limit are later records').
    expect(await found("key_0_3:value-0-3")).toEqual([records[0]!.id])
    expect(await found("key_999_4:99904")).toEqual([records[999]!.id])
    expect(await found("key_999_5:value-999-5")).toEqual([records[999]!.id])
    expect(await found("key_500_5:value-999-5")).toEqual([])
    expect(Option.getOrNull(await runtime.runPromise(store.get(records[777]!.id)))).toEqual(records[777]!)
  } finally {
    await runtime.dispose()
  }
})
