import { describe, expect, setDefaultTimeout, test } from "bun:test"
import { Client } from "@opensearch-project/opensearch"
import { useEngine } from "../support/engines.ts"
import { json, useServer } from "../support/server-process.ts"

// bun applies the preload's default timeout to the first test file only: engines need it here too.
setDefaultTimeout(60_000)

/** The real server with OPENSEARCH_HOSTS: logs go to OpenSearch, /health and /metrics say so. */

const index = `lf-e2e-os-${Math.random().toString(36).slice(2, 8)}`
const opensearch = await useEngine("opensearch", async (hosts) => {
  const client = new Client({ node: hosts.split(",")[0]! })
  await client.indices.delete({ index: `${index}*`, ignore_unavailable: true, allow_no_indices: true })
  await client.indices.deleteIndexTemplate({ name: index }).catch(() => undefined)
  await client.close()
})

describe.skipIf(!opensearch)("LogFlow on OpenSearch", () => {
  const server = useServer(() => ({ env: { OPENSEARCH_HOSTS: opensearch!, ELASTICSEARCH_INDEX: index, ELASTICSEARCH_REFRESH: "wait_for" } }))

  test("ingested logs are stored in OpenSearch and searchable by text and attributes, dotted keys included", async () => {
    const lines = [
      { service: "checkout", level: "error", message: "card declined for order 77", "http.status_code": 402, user_id: 7 },
      { service: "checkout", level: "info", message: "order 78 shipped", "http.status_code": 200, user_id: 8 }
    ]
    const response = await fetch(`${server().url}/api/v1/logs`, {
      method: "POST",
      headers: { "content-type": "application/x-ndjson" },
      body: lines.map((l) => JSON.stringify(l)).join("\n")
    })
    expect(response.status).toBe(200)
    const found = await json(fetch(`${server().url}/api/v1/logs/search?query=${encodeURIComponent("declined http.status_code:>=400")}`))
    expect(found.logs.map((l: { message: string }) => l.message)).toEqual(["card declined for order 77"])
    expect(found.logs[0].attributes).toEqual({ "http.status_code": 402, user_id: 7 })
    // Straight from OpenSearch: the records are in the daily index behind the alias.
    const client = new Client({ node: opensearch!.split(",")[0]! })
    const count = await client.count({ index })
    await client.close()
    expect(count.body.count).toBe(2)
  })

  test("the console's charts and field list get their numbers from OpenSearch too", async () => {
    const get = (path: string) => json(fetch(`${server().url}${path}`))
    const histogram = await get("/api/v1/logs/histogram?service=checkout&by=level&from=now-1h")
    const totals = (histogram.buckets as Array<{ levels: Record<string, number> }>).reduce(
      (sum, b) => ({ ERROR: sum.ERROR + b.levels.ERROR!, INFO: sum.INFO + b.levels.INFO! }),
      { ERROR: 0, INFO: 0 }
    )
    expect(totals).toEqual({ ERROR: 1, INFO: 1 })
    const facets = await get("/api/v1/logs/facets?service=checkout&attributes=5&top=3")
    expect(facets.attributes).toContainEqual({
      key: "user_id",
      count: 2,
      values: [
        { value: "7", count: 1 },
        { value: "8", count: 1 }
      ]
    })
    const services = await get("/api/v1/metrics/services?from=now-1h&interval=5m")
    expect(services.services).toContainEqual(expect.objectContaining({ service: "checkout", count: 2, errors: 1 }))
  })

  test("/health reports the OpenSearch cluster, and /metrics counts its queries", async () => {
    const health = await json(fetch(`${server().url}/health`))
    expect(health.status).toBe("healthy")
    expect(["green", "yellow"]).toContain(health.services.opensearch)
    expect(health.services.elasticsearch).toBeUndefined()
    expect(health.details.log_store.engine).toBe("opensearch")
    const metrics = await (await fetch(`${server().url}/metrics`)).text()
    expect(metrics).toMatch(/^opensearch_queries_total\{operation="search"\} [1-9]/m)
  })
})
