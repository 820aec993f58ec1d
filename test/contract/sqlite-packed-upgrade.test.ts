import { Database } from "bun:sqlite"
import { afterAll, expect, test } from "bun:test"
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer, ManagedRuntime, Option } from "effect"
import { makeBlockReader, type BlockSummary } from "../../src/adapters/log-store/sqlite/block-read.ts"
import { openDatabase } from "../../src/adapters/log-store/sqlite/open.ts"
import { makeRecordQueries } from "../../src/adapters/log-store/sqlite/record-queries.ts"
import { SqliteStoreLive } from "../../src/adapters/log-store/sqlite/store.ts"
import type { LogRecord } from "../../src/domain/log-record.ts"
import { normalise } from "../../src/domain/normalise.ts"
import type { SearchRequest } from "../../src/domain/search-request.ts"
import { parseTextQuery } from "../../src/domain/text-query.ts"
import { LogSynthesizer } from "../../src/generator/synthesis.ts"
import { LogStore } from "../../src/ports/log-store.ts"
import { plainBlockCount, writePlainBlock } from "../support/plain-blocks.ts"
import { makeRecord } from "../support/records.ts"
import { freePort, makeDataDir, removeDataDir } from "../support/server-process.ts"

/**
 * A store of schema 4 (plain blocks) opened by this version: read as it is, then packed block by
 * block in the background (upgrade.ts), with every record found before, during and after, and
 * a kill -9 in the middle of the rewrite losing nothing.
 */

const dir = mkdtempSync(join(tmpdir(), "logflow-packed-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const CONFIG = { synchronous: "NORMAL", countCap: 100_000 } as const

/** A store of schema 4 as LogFlow's previous writer left it (600 records of two services in six blocks), and its records. */
const FIXTURE = join(import.meta.dir, "fixtures", "store-schema-4")
const fixtureRecords = JSON.parse(readFileSync(`${FIXTURE}.records.json`, "utf8")) as LogRecord[]

const waitUntilPacked = async (path: string) => {
  const deadline = Date.now() + 60_000
  for (;;) {
    const db = new Database(path, { readonly: true })
    const plain = plainBlockCount(db)
    db.close()
    if (plain === 0) return
    if (Date.now() > deadline) throw new Error(`${plain} blocks still plain after 60 s`)
    await Bun.sleep(50)
  }
}

/** What the fixture's records answer to, as a store of any layout must. */
const checkFixture = async (search: (request: SearchRequest) => Promise<ReadonlyArray<LogRecord>>, get: (id: string) => Promise<LogRecord | null>) => {
  for (const r of fixtureRecords) expect(await get(r.id)).toEqual(r)
  const ids = async (query: string, extra: Partial<SearchRequest> = {}) =>
    (await search({ limit: 1_000, text: parseTextQuery(query)!, ...extra })).map((r) => r.id).sort()
  const expected = (keep: (r: LogRecord) => boolean) =>
    fixtureRecords
      .filter(keep)
      .map((r) => r.id)
      .sort()
  expect(await ids("rare:v43")).toEqual(expected((r) => r.attributes.rare === "v43"))
  expect(await ids("status:201 region:r1")).toEqual(expected((r) => r.attributes.status === 201 && r.attributes.region === "r1"))
  expect(await ids("grüße")).toEqual(expected((r) => r.message.includes("Grüße")))
  expect(await ids('"served in 12 ms"')).toEqual(expected((r) => r.message.endsWith("served in 12 ms")))
  expect(await ids("correlation_id:order-120")).toEqual(expected((r) => r.correlation_id === "order-120"))
  const trace = fixtureRecords.find((r) => r.trace_id !== undefined)!.trace_id!
  expect((await search({ limit: 10, trace_id: trace })).map((r) => r.id)).toEqual([fixtureRecords.find((r) => r.trace_id === trace)!.id])
}

test("a store written by schema 4 reads as it is, and every record is found the same once its blocks are packed in the background", async () => {
  const path = join(dir, "fixture.db")
  copyFileSync(`${FIXTURE}.db`, path)

  // Before: read through this version's queries with no writer, so nothing is rewritten yet.
  const before = openDatabase({ path, ...CONFIG })
  expect(plainBlockCount(before)).toBe(6)
  const queries = makeRecordQueries(before, CONFIG)
  await checkFixture(
    async (request) => queries.search(request).logs,
    async (id) => Option.getOrNull(queries.get(id))
  )
  before.close()

  const runtime = ManagedRuntime.make(Layer.orDie(SqliteStoreLive({ path, ...CONFIG })))
  try {
    const store = await runtime.runPromise(LogStore)
    await waitUntilPacked(path)
    await checkFixture(
      async (request) => (await runtime.runPromise(store.search(request))).logs,
      async (id) => Option.getOrNull(await runtime.runPromise(store.get(id)))
    )
    // The rollups counted these records once, and still do; the error fingerprints moved to schema 5's tables.
    expect((await runtime.runPromise(store.allTime())).reduce((n, c) => n + c.count, 0)).toBe(fixtureRecords.length)
    const errors = fixtureRecords.filter((r) => r.level === "ERROR")
    const groups = await runtime.runPromise(store.topErrors({ from: errors[0]!.timestamp, to: errors.at(-1)!.timestamp }, 100))
    expect(groups.reduce((n, g) => n + g.count, 0)).toBe(errors.length)
    for (const g of groups) expect(errors.some((r) => r.message === g.sample && r.service === g.service)).toBe(true)
    // The minute rollups moved to schema 6's rows per service and minute: per service and level, and over time.
    const span = { from: Math.min(...fixtureRecords.map((r) => r.timestamp)), to: Math.max(...fixtureRecords.map((r) => r.timestamp)) }
    const tally = (records: ReadonlyArray<LogRecord>, key: (r: LogRecord) => string) =>
      Object.fromEntries([...Map.groupBy(records, key)].map(([k, rs]) => [k, rs.length]).sort())
    const counts = await runtime.runPromise(store.counts(span))
    expect(Object.fromEntries(counts.map((c) => [`${c.service} ${c.level}`, c.count]).sort())).toEqual(tally(fixtureRecords, (r) => `${r.service} ${r.level}`))
    const series = await runtime.runPromise(store.series({ ...span, levels: ["ERROR"] }, 1))
    expect(series.reduce((n, p) => n + p.count, 0)).toBe(errors.length)
    const oneService = fixtureRecords[0]!.service
    const ofService = await runtime.runPromise(store.series({ ...span, services: [oneService] }, 60))
    expect(ofService.reduce((n, p) => n + p.count, 0)).toBe(fixtureRecords.filter((r) => r.service === oneService).length)
  } finally {
    await runtime.dispose()
  }
})

/** Every record id the store's blocks hold, read block by block. */
const storedIds = (path: string) => {
  const db = new Database(path, { readonly: true })
  const reader = makeBlockReader(db)
  const summaries = db.query<BlockSummary, []>("SELECT block, service, count, min_ts, max_ts, levels FROM blocks").all()
  const ids = summaries.flatMap((s) => reader.load(s).ids())
  db.close()
  return ids.sort()
}

test("kill -9 in the middle of packing loses no record and stores none twice; the next start finishes the job", async () => {
  const dataDir = makeDataDir()
  const path = join(dataDir, "logs.db")
  const base = Date.parse("2026-12-01T00:00:00Z")
  const db = openDatabase({ path, ...CONFIG })
  const all: string[] = []
  // 60 blocks of 4,000 records: enough that packing them takes a while to catch in the middle.
  for (let b = 0; b < 60; b++) {
    const records = Array.from({ length: 4_000 }, (_, i) =>
      makeRecord({
        timestamp: base + b * 4_000 + i,
        message: `block ${b} request ${i} took ${i % 300} ms`,
        trace_id: (b * 4_000 + i).toString(16).padStart(32, "0"),
        attributes: { status: 200 + (i % 5), ...(i % 100 === 0 ? { rare: `r${b}-${i}` } : {}) }
      })
    )
    db.transaction(() => writePlainBlock(db, records))()
    all.push(...records.map((r) => r.id))
  }
  db.close()
  all.sort()

  // The server, not waited for: packing starts as soon as its store opens, before it serves (no gRPC port: others may hold 4317).
  const server = Bun.spawn([process.execPath, "run", "src/main.ts", "all"], {
    cwd: join(import.meta.dir, "../.."),
    env: { ...process.env, API_HOST: "127.0.0.1", API_PORT: String(freePort()), OTLP_GRPC_PORT: "0", DATA_DIR: dataDir },
    stdout: "ignore",
    stderr: "ignore"
  })
  try {
    // Kill as soon as some blocks are packed and some are not.
    const deadline = Date.now() + 60_000
    for (;;) {
      const watch = new Database(path, { readonly: true })
      const plain = plainBlockCount(watch)
      watch.close()
      if (plain > 0 && plain < 60) break
      if (plain === 0) throw new Error("packing finished before it could be interrupted: make the store larger")
      if (Date.now() > deadline) throw new Error("packing did not start within 60 s")
      await Bun.sleep(5)
    }
    server.kill(9)
    await server.exited
    const watch = new Database(path, { readonly: true })
    const plain = plainBlockCount(watch)
    watch.close()
    expect(plain).toBeGreaterThan(0)
    expect(storedIds(path)).toEqual(all)

    const runtime = ManagedRuntime.make(Layer.orDie(SqliteStoreLive({ path, ...CONFIG })))
    try {
      await runtime.runPromise(LogStore)
      await waitUntilPacked(path)
      expect(storedIds(path)).toEqual(all)
      const found = await runtime.runPromise(Effect.flatMap(LogStore, (s) => s.search({ limit: 1, text: parseTextQuery("rare:r37-3900")! })))
      expect(found.total).toBe(1)
    } finally {
      await runtime.dispose()
    }
  } finally {
    server.kill(9)
    removeDataDir(dataDir)
  }
})

const settledUpTo = (path: string) => {
  const db = new Database(path, { readonly: true })
  const row = db
    .query<{ upto: number; last: number | null; bytes: number | null }, []>(
      "SELECT (SELECT upto FROM settled_blocks) AS upto, (SELECT max(block) FROM blocks) AS last, (SELECT sum(length(messages)) FROM block_data) AS bytes"
    )
    .get()!
  db.close()
  return row
}

test("once the writer is idle, the messages of stored blocks are packed again at a higher level: smaller, every record the same", async () => {
  const path = join(dir, "settle.db")
  const synth = new LogSynthesizer(["api", "db"])
  const base = Date.parse("2026-12-01T10:00:00Z")
  const records = Array.from({ length: 4_000 }, (_, i) => {
    const result = normalise(synth.next(base + i * 10), base + 60_000)
    if (!result.ok) throw new Error(result.error)
    return result.record
  })
  const runtime = ManagedRuntime.make(Layer.orDie(SqliteStoreLive({ path, ...CONFIG })))
  try {
    const store = await runtime.runPromise(LogStore)
    for (let i = 0; i < records.length; i += 500) await runtime.runPromise(store.index(records.slice(i, i + 500)))
    const ingested = settledUpTo(path)
    expect(ingested.upto).toBeLessThan(ingested.last!)
    const deadline = Date.now() + 60_000
    let settled = settledUpTo(path)
    while (settled.upto < settled.last!) {
      if (Date.now() > deadline) throw new Error(`settled up to block ${settled.upto} of ${settled.last} after 60 s`)
      await Bun.sleep(100)
      settled = settledUpTo(path)
    }
    expect(settled.bytes!).toBeLessThan(ingested.bytes!)
    for (const r of records) expect(Option.getOrNull(await runtime.runPromise(store.get(r.id)))).toEqual(r)
    const word = records[1_234]!.message.split(" ")[0]!
    const found = await runtime.runPromise(store.search({ limit: 10_000, text: parseTextQuery(word)! }))
    expect(found.total).toBe(records.filter((r) => r.message.toLowerCase().split(/\W+/).includes(word.toLowerCase())).length)
  } finally {
    await runtime.dispose()
  }
})
