import { describe, expect, setDefaultTimeout, test } from "bun:test"
import { Client as OpenSearchClient } from "@opensearch-project/opensearch"
import { isolatedScaleOut, useEngine } from "../support/engines.ts"
import { eventually, searchLogs } from "../support/ingest.ts"
import { json, type StartOptions, useServer } from "../support/server-process.ts"

// bun applies the preload's default timeout to the first test file only: engines need it here too.
setDefaultTimeout(60_000)

/**
 * A client's own `_id` is the record's identity on every store: a second `create` of it is a 409,
 * an `index` of it keeps the stored document, and two writes of it racing each other (or a
 * redelivery through Kafka) still store it once — on SQLite, Elasticsearch, OpenSearch, and
 * through Kafka into Elasticsearch.
 */

const tag = Math.random().toString(36).slice(2, 8)
const kafkaDeployment = isolatedScaleOut(`idk-${tag}`)
const esIndex = `lf-ide-${tag}`
const osIndex = `lf-ido-${tag}`

const elasticsearch = await useEngine("elasticsearch", async (hosts) => {
  for (const drop of [isolatedScaleOut(`ide-${tag}`).dropIndex, kafkaDeployment.dropIndex]) await drop(hosts)
})
const opensearch = await useEngine("opensearch", async (hosts) => {
  const client = new OpenSearchClient({ node: hosts.split(",")[0]! })
  await client.indices.delete({ index: `${osIndex}*`, ignore_unavailable: true, allow_no_indices: true })
  await client.indices.deleteIndexTemplate({ name: osIndex }).catch(() => undefined)
  await client.close()
})
const kafka = await useEngine("kafka")

const bulkTo = (url: string, lines: ReadonlyArray<unknown>) =>
  json(
    fetch(`${url}/es/_bulk`, {
      method: "POST",
      headers: { "content-type": "application/x-ndjson" },
      body: `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`
    })
  )
const statuses = (response: { items: Array<Record<string, { status: number }>> }) => response.items.map((i) => Object.values(i)[0]!.status)

const stores: ReadonlyArray<[string, boolean, () => StartOptions]> = [
  ["SQLite", true, () => ({})],
  ["Elasticsearch", elasticsearch !== undefined, () => ({ env: { ELASTICSEARCH_HOSTS: elasticsearch!, ELASTICSEARCH_INDEX: esIndex } })],
  ["OpenSearch", opensearch !== undefined, () => ({ env: { OPENSEARCH_HOSTS: opensearch!, ELASTICSEARCH_INDEX: osIndex } })],
  [
    "Kafka into Elasticsearch",
    kafka !== undefined && elasticsearch !== undefined,
    () => ({ env: { ...kafkaDeployment.env({ kafka: kafka!, elasticsearch: elasticsearch!, databaseUrl: "" }) } })
  ]
]

for (const [store, available, options] of stores) {
  describe.skipIf(!available)(`a client _id on ${store}`, () => {
    const server = useServer(options)
    const doc = (message: string) => ({ "@timestamp": "2026-12-07T07:00:00.500Z", message, service: `identity-${tag}` })
    const stored = (minimum: number) =>
      eventually(
        () => searchLogs(server().url, { service: `identity-${tag}` }),
        (logs) => logs.length >= minimum
      )

    test("a second create of it is a 409 item, an index of it a noop, and it is stored once", async () => {
      expect(statuses(await bulkTo(server().url, [{ create: { _index: "app", _id: "evt-1" } }, doc("first")]))).toEqual([201])
      await stored(1)
      const again = await bulkTo(server().url, [
        { create: { _index: "app", _id: "evt-1" } },
        doc("first"),
        { index: { _index: "app", _id: "evt-1" } },
        doc("first")
      ])
      expect(statuses(again)).toEqual([409, 200])
      const logs = await stored(1)
      expect(logs.map((l) => [l.message, l.attributes["es.id"]])).toEqual([["first", "evt-1"]])
    })

    test("two writes of one _id racing each other are stored once", async () => {
      const write = () => bulkTo(server().url, [{ create: { _index: "app", _id: "evt-2" } }, doc("raced")])
      const answers = await Promise.all([write(), write(), write()])
      expect(answers.flatMap(statuses).filter((s) => s === 201).length).toBeGreaterThanOrEqual(1)
      // Written after the race on the same partition (same service): once it is searchable, so is anything written before it.
      expect(statuses(await bulkTo(server().url, [{ create: { _index: "app" } }, doc("marker")]))).toEqual([201])
      const logs = await stored(3)
      expect(logs.map((l) => l.message).sort()).toEqual(["first", "marker", "raced"])
    })
  })
}

describe("the bound on look-ups of client _ids (ES_ID_LOOKUP_LIMIT)", () => {
  const server = useServer(() => ({ env: { ES_ID_LOOKUP_LIMIT: "1" } }))

  test("past the bound an item is checked against its request only; the store still keeps each id once", async () => {
    const doc = (message: string) => ({ "@timestamp": "2026-12-07T07:00:00Z", message, service: `bounded-${tag}` })
    const both = [{ create: { _index: "b", _id: "one" } }, doc("one"), { create: { _index: "b", _id: "two" } }, doc("two")]
    expect(statuses(await bulkTo(server().url, both))).toEqual([201, 201])
    // Sent again: the first _id is looked up (409); the second is past the bound, so it is not.
    const again = await bulkTo(server().url, [...both, { create: { _index: "b", _id: "two" } }, doc("two")])
    expect(statuses(again)).toEqual([409, 201, 409])
    // The marker is indexed after everything before it: then the count is final.
    expect(statuses(await bulkTo(server().url, [{ create: { _index: "b" } }, doc("marker")]))).toEqual([201])
    const logs = await searchLogs(server().url, { service: `bounded-${tag}` })
    expect(logs.map((l) => l.message).sort()).toEqual(["marker", "one", "two"])
  })
})
