import { describe, expect, setDefaultTimeout, test } from "bun:test"
import { Client, HttpConnection } from "@elastic/elasticsearch"
import { ulid } from "../../src/domain/ulid.ts"
import { useEngine } from "../support/engines.ts"
import { disposeServer, json, startServer, stopServer, type ServerProcess } from "../support/server-process.ts"

/**
 * Log patterns end to end on the real process: records ingested over HTTP are learned as they
 * are indexed, listed by `GET /api/v1/logs/patterns` with counts, level mix, series and a
 * sample, each with a search that finds exactly its records (on the embedded store and on
 * Elasticsearch); and they survive a restart.
 */

// bun applies the preload's default timeout to the first test file only: the engine needs it here too.
setDefaultTimeout(60_000)

const index = `lf-e2e-patterns-${Math.random().toString(36).slice(2, 8)}`
const elasticsearch = await useEngine("elasticsearch", async (hosts) => {
  const client = new Client({ node: hosts.split(",")[0]!, Connection: HttpConnection })
  await client.indices.delete({ index: `${index}*`, ignore_unavailable: true, allow_no_indices: true })
  await client.indices.deleteIndexTemplate({ name: index }).catch(() => undefined)
  await client.close()
})

const int = (n: number) => Math.floor(Math.random() * n)
const ip = () => `10.${int(255)}.${int(255)}.${1 + int(250)}`

/** Templates of one service; two share their first words, so a search must tell them apart. */
const TEMPLATES: ReadonlyArray<{ readonly template: string; readonly level: string; readonly message: () => string }> = [
  { template: "User <NUM> logged in", level: "INFO", message: () => `User ${1000 + int(9000)} logged in` },
  { template: "User <NUM> logged in from <IP>", level: "INFO", message: () => `User ${1000 + int(9000)} logged in from ${ip()}` },
  {
    template: "Payment failed for order <ID> card declined",
    level: "ERROR",
    message: () => `Payment failed for order ORD-${100000 + int(900000)} card declined`
  },
  { template: "Slow query on table orders took <DURATION>", level: "WARN", message: () => `Slow query on table orders took ${100 + int(5000)}ms` },
  { template: "cache miss for key=<NUM> after <DURATION>", level: "DEBUG", message: () => `cache miss for key=${int(5000)} after ${int(40)}ms` }
]

interface Sent {
  readonly id: string
  readonly label: number
}

const ingest = async (server: ServerProcess, service: string, at: number, perTemplate: number): Promise<Sent[]> => {
  const sent: Sent[] = []
  const lines: string[] = []
  for (let i = 0; i < perTemplate; i++) {
    TEMPLATES.forEach((t, label) => {
      const id = ulid(at + i)
      sent.push({ id, label })
      lines.push(JSON.stringify({ id, service, level: t.level, timestamp: new Date(at + i * 1_000).toISOString(), message: t.message() }))
    })
  }
  const response = await fetch(`${server.url}/api/v1/logs`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body: lines.join("\n") })
  expect((await json(response)).accepted).toBe(lines.length)
  return sent
}

const patterns = (server: ServerProcess, params: Record<string, string>) => json(fetch(`${server.url}/api/v1/logs/patterns?${new URLSearchParams(params)}`))

/** Waits (polling, bounded) until the listed patterns of the range hold `total` records. */
const waitForPatterns = async (server: ServerProcess, params: Record<string, string>, total: number) => {
  const deadline = Date.now() + 20_000
  for (;;) {
    const body = await patterns(server, params)
    const sum = (body.patterns ?? []).reduce((n: number, p: { count: number }) => n + p.count, 0)
    if (sum === total) return body
    if (Date.now() > deadline) throw new Error(`patterns hold ${sum} of ${total} records: ${JSON.stringify(body).slice(0, 2000)}`)
    await Bun.sleep(100)
  }
}

/** Ingests the templates' records, then checks what the patterns route lists and what each pattern's search finds. */
const learnedAndSearchable = async (env: Record<string, string>) => {
  const server = await startServer({ env: { PATTERNS_FLUSH_MS: "1000", ...env } })
  try {
    const at = Date.UTC(2026, 11, 7, 9, 0)
    const sent = await ingest(server, "shop", at, 40)
    const range = { service: "shop", from: String(at), to: String(at + 3_540_000) }
    const body = await waitForPatterns(server, range, sent.length)
    expect(body.patterns.map((p: { template: string }) => p.template).sort()).toEqual(TEMPLATES.map((t) => t.template).sort())
    expect(body.interval_ms).toBe(60_000)

    for (const pattern of body.patterns) {
      const label = TEMPLATES.findIndex((t) => t.template === pattern.template)
      const expected = sent.filter((s) => s.label === label).map((s) => s.id)
      expect(pattern.count).toBe(expected.length)
      expect(pattern.levels[TEMPLATES[label]!.level]).toBe(expected.length)
      expect(expected).toContain(pattern.sample_id)
      expect(pattern.series.reduce((n: number, point: { count: number }) => n + point.count, 0)).toBe(expected.length)
      expect(pattern.first_seen).toBe(new Date(at).toISOString())

      const search = new URLSearchParams({ query: pattern.search, from: range.from, to: range.to, limit: "1000" })
      const found = await json(fetch(`${server.url}/api/v1/logs/search?${search}`))
      expect({ search: pattern.search, ids: found.logs.map((l: { id: string }) => l.id).sort() }).toEqual({ search: pattern.search, ids: expected.sort() })
    }

    const errors = await patterns(server, { ...range, level: "error" })
    expect(errors.patterns.map((p: { template: string }) => p.template)).toEqual(["Payment failed for order <ID> card declined"])
    const slow = await patterns(server, { ...range, query: "slow TABLE" })
    expect(slow.patterns.map((p: { template: string }) => p.template)).toEqual(["Slow query on table orders took <DURATION>"])
    // A page of services asks for the top of each at once.
    const ledger = await ingest(server, "ledger", at, 3)
    await waitForPatterns(server, { ...range, service: "ledger" }, ledger.length)
    const tops = await patterns(server, { from: range.from, to: range.to, per_service: "2" })
    expect(tops.patterns.map((p: { service: string; count: number }) => [p.service, p.count])).toEqual([
      ["shop", 40],
      ["shop", 40],
      ["ledger", 3],
      ["ledger", 3]
    ])
    const openapi = await json(fetch(`${server.url}/docs/json`))
    const documented = openapi.paths["/api/v1/logs/patterns"].get.parameters.map((p: { name: string }) => p.name)
    expect(documented.sort()).toEqual(["from", "level", "limit", "per_service", "query", "service", "to"])
    const bad = await fetch(`${server.url}/api/v1/logs/patterns?level=loud`)
    expect([bad.status, (await json(bad)).message]).toEqual([400, expect.stringContaining("level")])
  } finally {
    await disposeServer(server)
  }
}

describe("log patterns", () => {
  test("templates are learned as records are indexed, and each one's search finds exactly its records", () => learnedAndSearchable({}))

  test.skipIf(!elasticsearch)("on Elasticsearch too: the worker learns as it indexes, and each search finds exactly the template's records", () =>
    learnedAndSearchable({ ELASTICSEARCH_HOSTS: elasticsearch!, ELASTICSEARCH_INDEX: index, ELASTICSEARCH_REFRESH: "wait_for" })
  )

  test("patterns and their counts are written on stop and survive a restart", async () => {
    // Written only on stop: the interval is longer than the test.
    const env = { PATTERNS_FLUSH_MS: "3600000" }
    const first = await startServer({ env })
    const at = Date.UTC(2026, 11, 7, 8, 0)
    const range = { service: "inventory", from: String(at), to: String(at + 600_000) }
    let second: ServerProcess | undefined
    try {
      const sent = await ingest(first, "inventory", at, 10)
      expect(await stopServer(first)).toBe(0)
      second = await startServer({ env, dataDir: first.dataDir })
      const before = await waitForPatterns(second, range, sent.length)
      // Learning goes on from the restored templates: the same ids, the counts added.
      const more = await ingest(second, "inventory", at, 10)
      await stopServer(second)
      second = await startServer({ env, dataDir: first.dataDir })
      const after = await waitForPatterns(second, range, sent.length + more.length)
      expect(after.patterns.map((p: { id: string }) => p.id).sort()).toEqual(before.patterns.map((p: { id: string }) => p.id).sort())
    } finally {
      if (second) await disposeServer(second)
      else await disposeServer(first)
    }
  }, 60_000)
})
