import { describe, expect, setDefaultTimeout, test } from "bun:test"
import { Client, HttpConnection } from "@elastic/elasticsearch"
import { Context, Effect, Exit, Layer, Option, Scope } from "effect"
import { ElasticsearchStoreLive } from "../../src/adapters/log-store/document/elasticsearch.ts"
import { parseTextQuery } from "../../src/domain/text-query.ts"
import { LogStore } from "../../src/ports/log-store.ts"
import { useEngine } from "../support/engines.ts"
import { makeRecord } from "../support/records.ts"
import { documentBudgetContract } from "./document-budget.ts"
import { logStoreContract } from "./log-store.ts"

// bun applies the preload's default timeout to the first test file only: engines need it here too.
setDefaultTimeout(60_000)

// Each test gets its own alias (and template): a fresh, empty store on the shared server.
const run = `lf-contract-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`
let n = 0

const hosts = await useEngine("elasticsearch", async (hosts) => {
  const client = new Client({ node: hosts.split(",")[0]!, Connection: HttpConnection })
  await client.indices.delete({ index: `${run}*`, ignore_unavailable: true, allow_no_indices: true })
  await client.indices.deleteIndexTemplate({ name: `${run}*` }).catch(() => undefined)
  await client.close()
})

if (hosts) {
  logStoreContract(
    "Elasticsearch",
    () =>
      ElasticsearchStoreLive({
        hosts: hosts.split(","),
        index: `${run}n${n++}`,
        shards: 1,
        replicas: 0,
        // Searchable as soon as written, as the contract reads right after each write.
        refresh: "true",
        countCap: 50,
        // Every search carries the engine-side `timeout` and the operation bound.
        timeoutMs: 10_000,
        fieldLimit: 1000,
        requestTimeout: "30 seconds"
      }),
    50,
    { rollupsOutliveExpiry: false }
  )
}

describe.skipIf(!hosts)("Elasticsearch store: what the engine may refuse", () => {
  const open = async (fieldLimit: number) => {
    const deadLetters: Array<{ id: string; reason: string }> = []
    const index = `${run}x${n++}`
    const scope = await Effect.runPromise(Scope.make())
    const context = await Effect.runPromise(
      Layer.buildWithScope(
        ElasticsearchStoreLive({
          hosts: hosts!.split(","),
          index,
          shards: 1,
          replicas: 0,
          refresh: "true",
          countCap: 50,
          fieldLimit,
          requestTimeout: "30 seconds",
          onDeadLetter: (record, reason) => deadLetters.push({ id: record.id, reason })
        }),
        scope
      )
    )
    return { store: Context.get(context, LogStore), index, deadLetters, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
  }

  test("a record the mapping refuses goes to the dead-letter index with the reason; the rest of the batch is stored", async () => {
    const { store, index, deadLetters, close } = await open(1000)
    try {
      const good = makeRecord({ message: "fine" })
      // An empty attribute name is valid JSON but no valid field name.
      const bad = makeRecord({ message: "unmappable", attributes: { "": "x" } })
      await Effect.runPromise(store.index([good, bad]))
      expect(Option.isSome(await Effect.runPromise(store.get(good.id)))).toBe(true)
      expect(Option.isNone(await Effect.runPromise(store.get(bad.id)))).toBe(true)
      expect(deadLetters.map((d) => d.id)).toEqual([bad.id])
      const client = new Client({ node: hosts!.split(",")[0]!, Connection: HttpConnection })
      const stored = await client.get<{ reason: string; record: { id: string } }>({ index: `${index}.dead-letters`, id: bad.id })
      await client.close()
      expect(stored._source!.record.id).toBe(bad.id)
      expect(stored._source!.reason).toContain("parsing")
    } finally {
      await close()
    }
  })

  test("attributes past the field limit are kept with the record instead of failing it", async () => {
    const { store, deadLetters, close } = await open(100)
    try {
      const wide = makeRecord({ attributes: Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`k${i}`, i])) })
      await Effect.runPromise(store.index([wide]))
      expect(deadLetters).toEqual([])
      expect(Option.getOrNull(await Effect.runPromise(store.get(wide.id)))).toEqual(wide)
      // The first attributes stay searchable.
      const page = await Effect.runPromise(store.search({ limit: 10, text: parseTextQuery("k1:1")! }))
      expect(page.logs.map((l) => l.id)).toEqual([wide.id])
    } finally {
      await close()
    }
  })
})

describe.skipIf(!hosts)("Elasticsearch store: retention on daily indices", () => {
  test("a day whose every record expired is dropped as a whole index; a day that keeps some records loses only the expired ones", async () => {
    const index = `${run}r${n++}`
    const scope = await Effect.runPromise(Scope.make())
    const context = await Effect.runPromise(
      Layer.buildWithScope(
        ElasticsearchStoreLive({
          hosts: hosts!.split(","),
          index,
          shards: 1,
          replicas: 0,
          refresh: "true",
          countCap: 50,
          fieldLimit: 1000,
          requestTimeout: "30 seconds"
        }),
        scope
      )
    )
    const store = Context.get(context, LogStore)
    const client = new Client({ node: hosts!.split(",")[0]!, Connection: HttpConnection })
    try {
      const day = (d: number) => Date.UTC(2026, 10, d, 12)
      const gone = [makeRecord({ service: "api", timestamp: day(10) }), makeRecord({ service: "api", timestamp: day(10) + 1 })]
      const mixedApi = makeRecord({ service: "api", timestamp: day(11) })
      const audit = makeRecord({ service: "audit", timestamp: day(11) })
      const fresh = makeRecord({ service: "api", timestamp: day(20) })
      await Effect.runPromise(store.index([...gone, mixedApi, audit, fresh]))
      const rule = { cutoff: day(15), exceptServices: ["audit"] }
      // The caller repeats until a short batch, as the retention actor does.
      const deleted: number[] = []
      for (let d = -1; d !== 0; ) deleted.push((d = await Effect.runPromise(store.expire(rule, 10))))
      expect(deleted).toEqual([2, 1, 0])
      const indices = (await client.cat.indices({ index: `${index}-*`, format: "json", h: ["index"] })).map((i) => i.index).sort()
      expect(indices).toEqual([`${index}-2026.11.11`, `${index}-2026.11.20`])
      const left = await Effect.runPromise(store.search({ limit: 10 }))
      expect(left.logs.map((l) => l.id)).toEqual([fresh.id, audit.id])
    } finally {
      await client.close()
      await Effect.runPromise(Scope.close(scope, Exit.void))
    }
  })
})

if (hosts) {
  documentBudgetContract(
    "Elasticsearch",
    (index, timeoutMs) =>
      ElasticsearchStoreLive({
        hosts: hosts.split(","),
        index,
        shards: 1,
        replicas: 0,
        refresh: "true",
        countCap: 50,
        fieldLimit: 1000,
        requestTimeout: "60 seconds",
        ...(timeoutMs === undefined ? {} : { timeoutMs })
      }),
    `${run}b${n++}`,
    hosts.split(",")[0]!
  )
}
