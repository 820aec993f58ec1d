import { setDefaultTimeout } from "bun:test"
import { Client, HttpConnection } from "@elastic/elasticsearch"
import { ElasticsearchStoreLive } from "../../src/adapters/log-store/elasticsearch.ts"
import { useEngine } from "../support/engines.ts"
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
  logStoreContract("Elasticsearch", () => ElasticsearchStoreLive({
    hosts: hosts.split(","),
    index: `${run}n${n++}`,
    shards: 1,
    replicas: 0,
    // Searchable as soon as written, as the contract reads right after each write.
    refresh: "true",
    countCap: 50,
    fieldLimit: 1000,
    requestTimeout: "30 seconds"
  }), 50, { rollupsOutliveExpiry: false })
}
