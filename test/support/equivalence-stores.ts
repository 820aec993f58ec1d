import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "bun:test"
import { Client as ElasticsearchClient, HttpConnection } from "@elastic/elasticsearch"
import { Client as OpenSearchClient } from "@opensearch-project/opensearch"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { ElasticsearchStoreLive } from "../../src/adapters/log-store/document/elasticsearch.ts"
import { OpenSearchStoreLive } from "../../src/adapters/log-store/document/opensearch.ts"
import { SqliteStoreLive } from "../../src/adapters/log-store/sqlite/store.ts"
import { LogStore } from "../../src/ports/log-store.ts"
import { useEngine } from "./engines.ts"

export type Store = LogStore["Type"]
export type EquivalenceStores = Record<"sqlite" | "elasticsearch" | "opensearch", Store>

/**
 * What an equivalence suite compares: a fresh SQLite store and fresh indices (named after
 * `prefix` and this run) on the shared Elasticsearch and OpenSearch, all closed and removed after
 * the file's tests. The hosts are undefined where an engine is not configured (useEngine).
 */
export const equivalenceEngines = async (prefix: string) => {
  const run = `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`
  const esHosts = await useEngine("elasticsearch", async (hosts) => {
    const client = new ElasticsearchClient({ node: hosts.split(",")[0]!, Connection: HttpConnection })
    await client.indices.delete({ index: `${run}*`, ignore_unavailable: true, allow_no_indices: true })
    await client.indices.deleteIndexTemplate({ name: `${run}*` }).catch(() => undefined)
    await client.close()
  })
  const osHosts = await useEngine("opensearch", async (hosts) => {
    const client = new OpenSearchClient({ node: hosts.split(",")[0]! })
    await client.indices.delete({ index: `${run}*`, ignore_unavailable: true, allow_no_indices: true })
    await client.indices.deleteIndexTemplate({ name: `${run}*` }).catch(() => undefined)
    await client.close()
  })

  const dir = mkdtempSync(join(tmpdir(), `logflow-${prefix}-`))
  const scope = Effect.runSync(Scope.make())
  afterAll(async () => {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    rmSync(dir, { recursive: true, force: true })
  })

  const open = (layer: Layer.Layer<LogStore, unknown>) =>
    Effect.runPromise(Layer.buildWithScope(layer, scope)).then((context) => Context.get(context, LogStore))
  const documentStore = (hosts: string, index: string) => ({
    hosts: hosts.split(","),
    index,
    shards: 1,
    replicas: 0,
    refresh: "true" as const,
    countCap: 10_000,
    fieldLimit: 1000,
    requestTimeout: "30 seconds" as const
  })

  /** The three stores, opened (both engines must be configured). */
  const openStores = async (): Promise<EquivalenceStores> => ({
    sqlite: await open(SqliteStoreLive({ path: join(dir, "store.db"), synchronous: "NORMAL", countCap: 10_000 })),
    elasticsearch: await open(ElasticsearchStoreLive(documentStore(esHosts!, `${run}-es`))),
    opensearch: await open(OpenSearchStoreLive(documentStore(osHosts!, `${run}-os`)))
  })

  return { esHosts, osHosts, openStores }
}
