import { Database } from "bun:sqlite"
import { spawnSync } from "node:child_process"
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from "node:fs"
import { join } from "node:path"
import { parseArgs } from "node:util"
import { Duration, Layer, ManagedRuntime } from "effect"
import { ElasticsearchStoreLive } from "../../src/adapters/log-store/document/elasticsearch.ts"
import { OpenSearchStoreLive } from "../../src/adapters/log-store/document/opensearch.ts"
import { makeBlockSettler, SETTLED_ZSTD_LEVEL } from "../../src/adapters/log-store/sqlite/block-settle.ts"
import { makeRecordWriter } from "../../src/adapters/log-store/sqlite/block-write.ts"
import { openDatabase } from "../../src/adapters/log-store/sqlite/open.ts"
import type { Attributes, LogRecord } from "../../src/domain/log-record.ts"
import { normalise } from "../../src/domain/normalise.ts"
import { LogSynthesizer, SERVICE_NAMES } from "../../src/generator/synthesis.ts"
import { LogStore } from "../../src/ports/log-store.ts"
import { fmt } from "./stats.ts"

/**
 * `bun run bench storage [--records 1000000] [--zstd-level 19] [--keep]`: what a record costs on
 * disk. Writes N generator records (as the search bench does: 8 services over 24 h) through the
 * store's own batch writer into a fresh embedded store, checkpoints it, and prints bytes per
 * record for the store, for the same records as raw NDJSON, and for that NDJSON under gzip -6
 * and zstd, as ingested and once the writer's idle work (block-settle.ts) has run; then where the store's bytes go, per table (SQLite's pages, overhead included) and
 * per column (the values' own bytes). Last, the sparse-attribute case: 1,000 records with 100
 * distinct keys each, as store growth and the process's peak RSS (measured first, in a fresh
 * process, so the large run does not count). With engines given (TEST_ELASTICSEARCH_HOSTS and
 * TEST_OPENSEARCH_HOSTS, as the tests take them, or one of ELASTICSEARCH_HOSTS, OPENSEARCH_HOSTS),
 * also `--engine-records` (default 200,000) of the same kind of records in each engine, through
 * LogFlow's own store, once per index codec, as the primaries' store size after a refresh and a
 * flush (the indices are deleted afterwards).
 */

const ROOT = join(import.meta.dir, "../..")
const BATCH = 10_000

const storeBytes = (path: string) => {
  const db = new Database(path)
  db.run("PRAGMA wal_checkpoint(TRUNCATE)")
  const { used } = db
    .query<{ used: number }, []>(
      "SELECT (page_count - freelist_count) * page_size AS used FROM pragma_page_count(), pragma_freelist_count(), pragma_page_size()"
    )
    .get()!
  const tables = db.query<{ name: string; bytes: number }, []>("SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC").all()
  const column = (table: string, expression: string) => db.query<{ n: number | null }, []>(`SELECT sum(${expression}) AS n FROM ${table}`).get()!.n ?? 0
  const columns: Array<[string, number]> = [
    ["times, hosts, positions, levels (head)", column("blocks", "length(head)")],
    ["ids", column("block_data", "length(ids) + length(id_ends)")],
    ["receive times", column("block_data", "length(received_at)")],
    ["messages", column("block_data", "length(messages) + length(message_ends)")],
    ["messages as searched (non-ASCII blocks only)", column("block_data", "length(search_text) + length(search_ends)")],
    ["full-text index", column("block_terms_data", "length(block)")],
    [
      "trace and span ids",
      column(
        "block_data",
        "coalesce(length(trace_ids), 0) + coalesce(length(trace_id_ends), 0) + coalesce(length(span_ids), 0) + coalesce(length(span_id_ends), 0)"
      )
    ],
    ["attributes", column("block_attributes", "coalesce(length(numbers), 0) + coalesce(length(dictionary), 0) + coalesce(length(indexes), 0)")],
    ["other attributes", column("block_data", "coalesce(length(other_attributes), 0)")],
    ["Bloom filters", column("block_blooms", "length(bloom)")],
    ["id index (block_ids)", column("block_ids", "length(bucket) + length(min_id) + length(max_id) + 8")]
  ]
  // Rollups are small rows of numbers: their tables' pages stand for them.
  const rollups = tables.filter((t) => /^(rollup_|error_|sqlite_autoindex_error_kinds)/.test(t.name)).reduce((n, t) => n + t.bytes, 0)
  columns.push(["rollups and error counts (their tables' pages)", rollups])
  columns.push(["SQLite overhead (pages less all the above)", used - columns.reduce((n, [, bytes]) => n + bytes, 0)])
  db.close()
  return { used, tables, columns }
}

/** What the writer thread does while idle (block-settle.ts), run to the end: its time. */
const settle = (path: string) => {
  const db = openDatabase({ path, synchronous: "NORMAL", countCap: 10_000 })
  const started = performance.now()
  const step = makeBlockSettler(db)
  while (step()) {
    /* next blocks */
  }
  const seconds = (performance.now() - started) / 1000
  db.close()
  return seconds
}

/** Bytes of `file` compressed by a command reading it on stdin. */
const compressedBytes = (file: string, command: string, args: ReadonlyArray<string>) => {
  const input = openSync(file, "r")
  try {
    const run = spawnSync(command, [...args], { stdio: [input, "pipe", "inherit"], maxBuffer: 4 * 1024 ** 3 })
    if (run.status !== 0) throw new Error(`${command} ${args.join(" ")} failed`)
    return run.stdout.length
  } finally {
    closeSync(input)
  }
}

const generatorCorpus = (dir: string, total: number) => {
  const path = join(dir, "logs.db")
  const ndjson = join(dir, "records.ndjson")
  const db = openDatabase({ path, synchronous: "NORMAL", countCap: 10_000 })
  const write = makeRecordWriter(db)
  const out = openSync(ndjson, "w")
  const synth = new LogSynthesizer(SERVICE_NAMES.slice(0, 8))
  const now = Date.now()
  const span = 24 * 3_600_000
  const started = performance.now()
  try {
    for (let written = 0; written < total; ) {
      const batch: LogRecord[] = []
      const lines: string[] = []
      for (let i = 0; i < BATCH && written < total; i++, written++) {
        const log = synth.next(now - span + Math.floor((written / total) * span))
        batch.push(toRecord(log, now))
        lines.push(JSON.stringify(log))
      }
      write(batch)
      writeSync(out, `${lines.join("\n")}\n`)
    }
  } finally {
    closeSync(out)
    db.close()
  }
  console.log(`wrote ${fmt(total, 0)} records in ${fmt((performance.now() - started) / 1000, 1)} s`)
  return { path, ndjson }
}

const toRecord = (log: unknown, now: number): LogRecord => {
  const result = normalise(log, now)
  if (!result.ok) throw new Error(result.error)
  return result.record
}

/** The sparse-attribute case, run in this process before anything else: store growth and peak RSS. */
const sparseCase = (dir: string) => {
  const path = join(dir, "sparse.db")
  const db = openDatabase({ path, synchronous: "NORMAL", countCap: 10_000 })
  const write = makeRecordWriter(db)
  const synth = new LogSynthesizer(["wide-service"])
  const now = Date.now()
  write([toRecord(synth.next(now), now)])
  const before = storeBytes(path).used
  const logs = Array.from({ length: 1_000 }, (_, i) => {
    const attributes: Attributes = {}
    for (let k = 0; k < 100; k++) attributes[`key_${i}_${k}`] = k % 2 ? `value-${i}-${k}` : i * 100 + k
    return { ...synth.next(now), attributes }
  })
  write(logs.map((log) => toRecord(log, now)))
  const growth = storeBytes(path).used - before
  db.close()
  const input = logs.reduce((n, log) => n + JSON.stringify(log).length + 1, 0)
  return { input, growth, peakRss: process.resourceUsage().maxRSS * 1024 }
}

const CODECS = ["default", "best_compression"] as const

/** Bytes on disk of `total` generator records in a fresh index of one engine, with one codec. */
const engineBytes = async (engine: "elasticsearch" | "opensearch", hosts: string, codec: (typeof CODECS)[number], total: number) => {
  const index = `bench-storage-${codec.replace("_", "-")}-${Date.now()}`
  const config = {
    hosts: hosts.split(","),
    index,
    shards: 1,
    replicas: 0,
    refresh: "false",
    countCap: 10_000,
    fieldLimit: 1_000,
    requestTimeout: Duration.seconds(120),
    codec
  } as const
  const runtime = ManagedRuntime.make(Layer.orDie(engine === "elasticsearch" ? ElasticsearchStoreLive(config) : OpenSearchStoreLive(config)))
  const synth = new LogSynthesizer(SERVICE_NAMES.slice(0, 8))
  const now = Date.now()
  try {
    const store = await runtime.runPromise(LogStore)
    for (let written = 0; written < total; ) {
      const batch: LogRecord[] = []
      for (let i = 0; i < 5_000 && written < total; i++, written++)
        batch.push(toRecord(synth.next(now - 3_600_000 + Math.floor((written / total) * 3_600_000)), now))
      await runtime.runPromise(store.index(batch))
    }
  } finally {
    await runtime.dispose()
  }
  const base = hosts.split(",")[0]!.replace(/\/$/, "")
  const call = async (method: string, path: string) => {
    const response = await fetch(`${base}${path}`, { method })
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`)
    return response.json() as Promise<any>
  }
  await call("POST", `/${index}-*/_refresh`)
  await call("POST", `/${index}-*/_flush`)
  const bytes = (await call("GET", `/${index}-*/_stats/store`))._all.primaries.store.size_in_bytes as number
  for (const row of (await call("GET", `/_cat/indices/${index}-*?format=json&h=index`)) as Array<{ index: string }>) await call("DELETE", `/${row.index}`)
  await call("DELETE", `/_index_template/${index}`)
  return bytes
}

const engineFigures = async (total: number) => {
  const engines = [
    ["elasticsearch", process.env.TEST_ELASTICSEARCH_HOSTS ?? process.env.ELASTICSEARCH_HOSTS],
    ["opensearch", process.env.TEST_OPENSEARCH_HOSTS ?? process.env.OPENSEARCH_HOSTS]
  ] as const
  const rows = []
  for (const [engine, hosts] of engines) {
    if (!hosts) continue
    for (const codec of CODECS) {
      const bytes = await engineBytes(engine, hosts, codec, total)
      rows.push({ engine, codec, records: total, bytes, per_record: fmt(bytes / total, 1) })
    }
  }
  return rows
}

export const runStorageBench = async (argv: ReadonlyArray<string>) => {
  const { values } = parseArgs({
    args: [...argv],
    options: { records: { type: "string" }, "zstd-level": { type: "string" }, "engine-records": { type: "string" }, keep: { type: "boolean" } }
  })
  const engineRecords = Number(values["engine-records"] ?? 200_000)
  const total = Number(values.records ?? 1_000_000)
  const zstdLevel = Number(values["zstd-level"] ?? 19)
  if (!Number.isSafeInteger(total) || total < 1 || !Number.isInteger(zstdLevel) || zstdLevel < 1 || zstdLevel > 19) {
    throw new Error("--records takes a positive integer, --zstd-level 1 to 19")
  }
  if (!Number.isSafeInteger(engineRecords) || engineRecords < 1) throw new Error("--engine-records takes a positive integer")
  mkdirSync(join(ROOT, ".bench"), { recursive: true })
  const dir = mkdtempSync(join(ROOT, ".bench", "storage-"))
  try {
    const sparse = sparseCase(dir)
    const { path, ndjson } = generatorCorpus(dir, total)
    const ingested = storeBytes(path)
    const settleSeconds = settle(path)
    const store = storeBytes(path)
    const raw = statSync(ndjson).size
    const gzip = compressedBytes(ndjson, "gzip", ["-6", "-c"])
    const zstd = compressedBytes(ndjson, "zstd", [`-${zstdLevel}`, "-T2", "-c", "-q"])
    const perRecord = (bytes: number) => fmt(bytes / total, 1)
    console.log(`\nbytes per record (${fmt(total, 0)} generator records):`)
    console.table([
      { form: "embedded store as ingested (checkpointed, index included)", bytes: ingested.used, per_record: perRecord(ingested.used) },
      {
        form: `embedded store once settled (messages at zstd ${SETTLED_ZSTD_LEVEL} while idle: ${fmt(settleSeconds, 1)} s)`,
        bytes: store.used,
        per_record: perRecord(store.used)
      },
      { form: "raw NDJSON", bytes: raw, per_record: perRecord(raw) },
      { form: "NDJSON, gzip -6", bytes: gzip, per_record: perRecord(gzip) },
      { form: `NDJSON, zstd -${zstdLevel}`, bytes: zstd, per_record: perRecord(zstd) }
    ])
    console.log("the store once settled, per table (SQLite pages, overhead included):")
    console.table(store.tables.map((t) => ({ table: t.name, bytes: t.bytes, per_record: perRecord(t.bytes) })))
    console.log("the store once settled, per column (the values' own bytes; as ingested in brackets where it differs):")
    console.table(
      store.columns.map(([column, bytes], i) => {
        const before = ingested.columns[i]![1]
        return { column, bytes, per_record: before === bytes ? perRecord(bytes) : `${perRecord(bytes)} (${perRecord(before)})` }
      })
    )
    console.log("sparse attributes (1,000 records x 100 distinct keys):")
    console.table([
      {
        input_bytes: sparse.input,
        store_growth_bytes: sparse.growth,
        growth_per_input: fmt(sparse.growth / sparse.input, 2),
        peak_rss_mib: fmt(sparse.peakRss / 1024 ** 2, 0)
      }
    ])
    const engines = await engineFigures(engineRecords)
    if (engines.length > 0) {
      console.log("Elasticsearch and OpenSearch (primaries' store size after refresh and flush):")
      console.table(engines)
    } else console.log("Elasticsearch and OpenSearch: not measured (set TEST_ELASTICSEARCH_HOSTS and/or TEST_OPENSEARCH_HOSTS)")
  } finally {
    if (values.keep) console.log(`kept ${dir}`)
    else rmSync(dir, { recursive: true, force: true })
  }
}
