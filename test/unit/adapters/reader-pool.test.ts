import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, test } from "bun:test"
import { openDatabase, type SqliteStoreConfig } from "../../../src/adapters/log-store/sqlite/open.ts"
import { ReaderDied, ReaderPool, ReadersBusy, type Settle } from "../../../src/adapters/log-store/sqlite/reader-pool.ts"

/** The embedded store's reader threads, on a real database file: a bounded queue, and threads that die are replaced. */

const dir = mkdtempSync(join(tmpdir(), "logflow-reader-pool-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0

const freshStore = (): SqliteStoreConfig => {
  const config: SqliteStoreConfig = { path: join(dir, `pool-${n++}.db`), synchronous: "NORMAL", countCap: 100 }
  openDatabase(config).close()
  return config
}

type Outcome = Parameters<Settle>[0]
/** Runs a search on the pool; the outcome arrives as a promise, the refusal (if any) at once. */
const search = (pool: ReaderPool) => {
  let settled: Outcome | undefined
  const outcome = new Promise<Outcome>((resolve) => pool.run("search", [{ limit: 5 }], (o) => resolve((settled = o))))
  return { outcome, settledAtOnce: () => settled }
}

describe("the reader pool", () => {
  test("reads past the threads wait in the queue; one more than the queue holds is refused at once", async () => {
    const pool = new ReaderPool({ size: 1, queue: 2, store: freshStore() })
    await pool.ready()
    // All in one turn of the event loop: no reply can arrive before the last is submitted.
    const reads = Array.from({ length: 4 }, () => search(pool))
    expect(pool.stats()).toMatchObject({ threads: 1, busy: 1, waiting: 2 })
    const refused = reads[3]!.settledAtOnce()
    expect(refused?.ok === false && refused.error).toBeInstanceOf(ReadersBusy)
    const answered = await Promise.all(reads.slice(0, 3).map((r) => r.outcome))
    expect(answered.map((o) => o.ok)).toEqual([true, true, true])
    expect(answered[0]).toEqual({ ok: true, value: { logs: [], total: 0, total_is_lower_bound: false } })
    pool.close()
  })

  test("a thread that dies fails only the read it ran, and a new thread takes the queue", async () => {
    const pool = new ReaderPool({ size: 1, queue: 4, store: freshStore() })
    await pool.ready()
    const running = search(pool)
    const waiting = search(pool)
    pool.workers()[0]!.terminate()
    const lost = await running.outcome
    // Its answer may have been on its way when the thread ended; it is never left hanging.
    if (!lost.ok) expect(lost.error).toBeInstanceOf(ReaderDied)
    expect((await waiting.outcome).ok).toBe(true)
    expect(pool.stats()).toMatchObject({ threads: 1, replaced: 1, busy: 0, waiting: 0 })
    expect((await search(pool).outcome).ok).toBe(true)
    pool.close()
  })

  test("closing ends every thread and fails what still waits", async () => {
    const pool = new ReaderPool({ size: 2, queue: 4, store: freshStore() })
    await pool.ready()
    const reads = Array.from({ length: 4 }, () => search(pool))
    pool.close()
    const outcomes = await Promise.all(reads.map((r) => r.outcome))
    expect(outcomes.slice(2).every((o) => !o.ok)).toBe(true)
    expect(pool.stats()).toMatchObject({ threads: 0, waiting: 0 })
    expect(search(pool).settledAtOnce()?.ok).toBe(false)
  })

  test("a store the threads cannot open fails ready() and every read, without restarting threads for ever", async () => {
    const pool = new ReaderPool({ size: 2, queue: 4, store: { path: join(dir, "missing", "none.db"), synchronous: "NORMAL", countCap: 1 } })
    await expect(pool.ready()).rejects.toBeInstanceOf(ReaderDied)
    expect(pool.stats()).toMatchObject({ threads: 0, replaced: 0 })
    expect(search(pool).settledAtOnce()?.ok).toBe(false)
  })
})
