import { Database } from "bun:sqlite"
import { afterAll, expect, test } from "bun:test"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Layer, ManagedRuntime, Option } from "effect"
import { SCHEMA_VERSIONS } from "../../src/adapters/log-store/sqlite/schema.ts"
import { SqliteStoreLive } from "../../src/adapters/log-store/sqlite/store.ts"
import { parseTextQuery } from "../../src/domain/text-query.ts"
import { LogStore } from "../../src/ports/log-store.ts"
import { makeRecord } from "../support/records.ts"

const dir = mkdtempSync(join(tmpdir(), "logflow-legacy-"))
/** Takes a database back from schema 5: the tables and columns it added go (its blocks stay packed; the upgrades read blocks of either layout). */
/** Back to the minute rollups of schema 5 (emptied: this test reads none). */
const undoSchema6 = (db: Database) => {
  db.run("DROP TABLE rollup_minutes")
  db.run("DROP TABLE rollup_services")
  db.run("DROP TABLE settled_blocks")
  for (const statement of [...SCHEMA_VERSIONS[0]!, ...SCHEMA_VERSIONS[1]!].filter(
    (s) => /rollup_minute\b|rollup_minute_service|CREATE TABLE rollup_level_minute/.test(s) && !s.startsWith("INSERT")
  ))
    db.run(statement)
}
const undoSchema5 = (db: Database) => {
  db.run("ALTER TABLE block_data DROP COLUMN other_attributes")
  db.run("DROP TABLE error_kinds")
  db.run("DROP TABLE error_minutes")
  db.run(SCHEMA_VERSIONS[0]!.find((statement) => statement.includes("error_fingerprints"))!)
}
afterAll(() => rmSync(dir, { recursive: true, force: true }))

test("a database of the row-per-record layout (schema 2) is moved into blocks on open, nothing lost or counted twice", async () => {
  const path = join(dir, "logs.db")
  const legacy = new Database(path, { create: true, strict: true })
  for (const statement of SCHEMA_VERSIONS.slice(0, 2).flat()) legacy.run(statement)
  legacy.run("PRAGMA user_version = 2")
  const base = Date.parse("2026-11-30T10:00:00Z")
  // More than one move (10,000 a transaction), two services, every optional field somewhere.
  const records = Array.from({ length: 12_345 }, (_, i) =>
    makeRecord({
      service: i % 3 === 0 ? "db" : "api",
      timestamp: base + i,
      message: i === 77 ? "disk full on sda" : `request ${i} served`,
      ...(i % 2 === 0 ? { host: `h${i % 4}`, trace_id: `t${i}` } : {}),
      attributes: i % 5 === 0 ? { status: 500, region: "eu" } : {}
    })
  )
  const insert = legacy.query(
    `INSERT INTO logs (id, ts, received_at, service, level, message, host, trace_id, span_id, correlation_id, attributes)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
  )
  legacy.transaction(() => {
    for (const r of records) {
      insert.run(
        r.id,
        r.timestamp,
        r.received_at,
        r.service,
        r.level,
        r.message,
        r.host ?? null,
        r.trace_id ?? null,
        null,
        null,
        Object.keys(r.attributes).length ? JSON.stringify(r.attributes) : null
      )
    }
    legacy.run("INSERT INTO rollup_totals VALUES ('api', 'INFO', 8230, 0, 0, 0), ('db', 'INFO', 4115, 0, 0, 0)")
  })()
  legacy.close()

  const runtime = ManagedRuntime.make(Layer.orDie(SqliteStoreLive({ path, synchronous: "NORMAL", countCap: 100_000 })))
  try {
    const store = await runtime.runPromise(LogStore)
    const all = await runtime.runPromise(store.search({ limit: 1 }))
    expect([all.total, all.total_is_lower_bound]).toEqual([records.length, false])
    expect(all.logs[0]).toEqual(records.at(-1)!)
    const disk = await runtime.runPromise(store.search({ limit: 10, text: parseTextQuery("disk")! }))
    expect(disk.logs.map((l) => l.id)).toEqual([records[77]!.id])
    const found = await runtime.runPromise(store.get(records[10]!.id))
    expect(Option.getOrNull(found)).toEqual(records[10]!)
    expect((await runtime.runPromise(store.search({ limit: 1, text: parseTextQuery("status:500 host:h0")! }))).total).toBe(
      records.filter((r) => r.attributes.status === 500 && r.host === "h0").length
    )
    // The rollups already counted these records: moving them does not count them again.
    expect((await runtime.runPromise(store.allTime())).reduce((n, c) => n + c.count, 0)).toBe(records.length)
    // A record indexed again after the move is still a redelivery.
    await runtime.runPromise(store.index([records[5]!]))
    expect((await runtime.runPromise(store.search({ limit: 1 }))).total).toBe(records.length)
  } finally {
    await runtime.dispose()
  }
  const moved = new Database(path, { readonly: true })
  expect(moved.query("SELECT name FROM sqlite_master WHERE name IN ('logs', 'logs_fts')").all()).toEqual([])
  moved.close()
})

test("a database of schema 3 (an id row per record) gets id rows and Bloom filters per block on open: every record is found by id and by trace, none stored twice", async () => {
  const path = join(dir, "schema-3.db")
  const records = Array.from({ length: 3_000 }, (_, i) =>
    makeRecord({
      service: i % 2 ? "api" : "db",
      timestamp: Date.parse("2026-11-30T10:00:00Z") + i,
      trace_id: `trace-${i % 1_000}`,
      ...(i % 3 === 0 ? { correlation_id: `order-${i}` } : {})
    })
  )
  const open = () => ManagedRuntime.make(Layer.orDie(SqliteStoreLive({ path, synchronous: "NORMAL", countCap: 100_000 })))
  const writer = open()
  const store = await writer.runPromise(LogStore)
  for (let i = 0; i < records.length; i += 500) await writer.runPromise(store.index(records.slice(i, i + 500)))
  await writer.dispose()
  // Back to what schema 3 left: no id rows or Bloom filters per block, a table of ids instead.
  const db = new Database(path, { strict: true })
  db.run("DROP TABLE block_ids")
  db.run("DROP TABLE block_blooms")
  db.run("CREATE TABLE record_ids (id TEXT PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID")
  undoSchema6(db)
  undoSchema5(db)
  db.run("PRAGMA user_version = 3")
  db.close()

  const upgraded = open()
  try {
    const store = await upgraded.runPromise(LogStore)
    for (const r of [records[0]!, records[1_234]!, records.at(-1)!]) expect(Option.getOrNull(await upgraded.runPromise(store.get(r.id)))).toEqual(r)
    const trace = await upgraded.runPromise(store.search({ limit: 10, trace_id: "trace-7" }))
    expect(trace.logs.map((l) => l.id).sort()).toEqual(
      records
        .filter((r) => r.trace_id === "trace-7")
        .map((r) => r.id)
        .sort()
    )
    const order = await upgraded.runPromise(store.search({ limit: 10, text: parseTextQuery("correlation_id:order-2997")! }))
    expect(order.logs.map((l) => l.id)).toEqual([records[2_997]!.id])
    await upgraded.runPromise(store.index(records.slice(1_000, 1_100)))
    expect((await upgraded.runPromise(store.search({ limit: 1 }))).total).toBe(records.length)
  } finally {
    await upgraded.dispose()
  }
  const done = new Database(path, { readonly: true })
  expect(done.query("SELECT name FROM sqlite_master WHERE name = 'record_ids'").all()).toEqual([])
  done.close()
})
