import { describe, expect, setDefaultTimeout, test } from "bun:test"
import { Client } from "@opensearch-project/opensearch"
import { Context, Effect, Exit, Layer, Option, Scope } from "effect"
import { OpenSearchStoreLive } from "../../src/adapters/log-store/document/opensearch.ts"
import { parseTextQuery } from "../../src/domain/text-query.ts"
import { LogStore } from "../../src/ports/log-store.ts"
import { useEngine } from "../support/engines.ts"
import { makeRecord } from "../support/records.ts"
import { documentBudgetContract } from "./document-budget.ts"
import { logStoreContract } from "./log-store.ts"

// bun applies the preload's default timeout to the first test file only: engines need it here too.
setDefaultTimeout(60_000)

// Each test gets its own alias (and template): a fresh, empty store on the shared server.
const run = `lf-os-contract-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`
let n = 0

const hosts = await useEngine("opensearch", async (hosts) => {
  const client = new Client({ node: hosts.split(",")[0]! })
  await client.indices.delete({ index: `${run}*`, ignore_unavailable: true, allow_no_indices: true })
  await client.indices.deleteIndexTemplate({ name: `${run}*` }).catch(() => undefined)
  await client.close()
})

const storeConfig = (index: string, fieldLimit = 1000) => ({
  hosts: hosts!.split(","),
  index,
  shards: 1,
  replicas: 0,
  // Searchable as soon as written, as the contract reads right after each write.
  refresh: "true" as const,
  countCap: 50,
  // Every search carries the engine-side `timeout` and the operation bound.
  timeoutMs: 10_000,
  fieldLimit,
  requestTimeout: "30 seconds" as const
})

if (hosts) {
  logStoreContract("OpenSearch", () => OpenSearchStoreLive(storeConfig(`${run}n${n++}`)), 50, { rollupsOutliveExpiry: false })
}

describe.skipIf(!hosts)("OpenSearch store: where the engine differs from Elasticsearch", () => {
  const open = async (fieldLimit: number) => {
    const deadLetters: Array<{ id: string; reason: string }> = []
    const index = `${run}x${n++}`
    const scope = await Effect.runPromise(Scope.make())
    const context = await Effect.runPromise(
      Layer.buildWithScope(
        OpenSearchStoreLive({
          ...storeConfig(index, fieldLimit),
          onDeadLetter: (record, reason) => deadLetters.push({ id: record.id, reason })
        }),
        scope
      )
    )
    return { store: Context.get(context, LogStore), index, deadLetters, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
  }
  const search = (store: LogStore["Type"], query: string) =>
    Effect.runPromise(store.search({ limit: 10, text: parseTextQuery(query)! })).then((page) => page.logs.map((l) => l.id))

  test("attribute keys with dots (no subobjects: false here) are stored escaped: `a` and `a.b` live side by side and are searchable", async () => {
    const { store, deadLetters, close } = await open(1000)
    try {
      const flat = makeRecord({ attributes: { a: "x", "a%2Eb": "escaped-looking" } })
      const dotted = makeRecord({ attributes: { "a.b": "y", "a.b.c": 7 } })
      await Effect.runPromise(store.index([flat, dotted]))
      expect(deadLetters).toEqual([])
      expect(Option.getOrNull(await Effect.runPromise(store.get(dotted.id)))).toEqual(dotted)
      expect(await search(store, "a:x")).toEqual([flat.id])
      expect(await search(store, "a.b:y")).toEqual([dotted.id])
      expect(await search(store, "a.b.c:>=7")).toEqual([dotted.id])
      // The escape is one-to-one: a key that looks escaped (`a%2Eb`) is not the dotted one.
      expect(await search(store, "a.b:escaped-looking")).toEqual([])
    } finally {
      await close()
    }
  })

  test("a record the mapping refuses goes to the dead-letter index with the reason; the rest of the batch is stored", async () => {
    const { store, index, deadLetters, close } = await open(1000)
    try {
      const good = makeRecord({ message: "fine" })
      const bad = makeRecord({ message: "unmappable", attributes: { "": "x" } })
      await Effect.runPromise(store.index([good, bad]))
      expect(Option.isSome(await Effect.runPromise(store.get(good.id)))).toBe(true)
      expect(Option.isNone(await Effect.runPromise(store.get(bad.id)))).toBe(true)
      expect(deadLetters.map((d) => d.id)).toEqual([bad.id])
      const client = new Client({ node: hosts!.split(",")[0]! })
      const stored = await client.get({ index: `${index}.dead-letters`, id: bad.id })
      await client.close()
      expect((stored.body._source as { record: { id: string } }).record.id).toBe(bad.id)
    } finally {
      await close()
    }
  })

  test("attributes past the field limit: OpenSearch refuses the record (no ignore_dynamic_beyond_limit), so it goes to the dead letters, whole", async () => {
    const { store, index, deadLetters, close } = await open(100)
    try {
      const narrow = makeRecord({ attributes: { k1: 1 } })
      const wide = makeRecord({ attributes: Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`k${i}`, i])) })
      await Effect.runPromise(store.index([narrow, wide]))
      expect(deadLetters.map((d) => d.id)).toEqual([wide.id])
      expect(deadLetters[0]!.reason).toContain("Limit of total fields")
      expect(await search(store, "k1:1")).toEqual([narrow.id])
      const client = new Client({ node: hosts!.split(",")[0]! })
      const stored = await client.get({ index: `${index}.dead-letters`, id: wide.id })
      await client.close()
      expect((stored.body._source as { record: unknown }).record).toEqual(JSON.parse(JSON.stringify(wide)))
    } finally {
      await close()
    }
  })

  test("retention drops a day whose every record expired as a whole index, and deletes record by record elsewhere", async () => {
    const { store, index, close } = await open(1000)
    const client = new Client({ node: hosts!.split(",")[0]! })
    try {
      const day = (d: number) => Date.UTC(2026, 10, d, 12)
      const gone = [makeRecord({ service: "api", timestamp: day(10) }), makeRecord({ service: "api", timestamp: day(10) + 1 })]
      const mixedApi = makeRecord({ service: "api", timestamp: day(11) })
      const audit = makeRecord({ service: "audit", timestamp: day(11) })
      const fresh = makeRecord({ service: "api", timestamp: day(20) })
      await Effect.runPromise(store.index([...gone, mixedApi, audit, fresh]))
      const rule = { cutoff: day(15), exceptServices: ["audit"] }
      const deleted: number[] = []
      for (let d = -1; d !== 0; ) deleted.push((d = await Effect.runPromise(store.expire(rule, 10))))
      expect(deleted).toEqual([2, 1, 0])
      const indices = ((await client.cat.indices({ index: `${index}-*`, format: "json", h: ["index"] })).body as Array<{ index: string }>)
        .map((i) => i.index)
        .sort()
      expect(indices).toEqual([`${index}-2026.11.11`, `${index}-2026.11.20`])
      const left = await Effect.runPromise(store.search({ limit: 10 }))
      expect(left.logs.map((l) => l.id)).toEqual([fresh.id, audit.id])
    } finally {
      await client.close()
      await close()
    }
  })
})

if (hosts) {
  documentBudgetContract(
    "OpenSearch",
    (index, timeoutMs) => {
      const { timeoutMs: _, ...config } = storeConfig(index)
      return OpenSearchStoreLive({ ...config, requestTimeout: "60 seconds", ...(timeoutMs === undefined ? {} : { timeoutMs }) })
    },
    `${run}b${n++}`,
    hosts.split(",")[0]!
  )
}
