import { Duration, Effect, Layer } from "effect"
import { LogStore } from "../../../ports/log-store.ts"
import { resolveConnection } from "./connection.ts"
import { type DocumentStoreConfig, makeDocumentStore } from "./store.ts"
import { elasticsearchEngine } from "./elasticsearch-engine.ts"
import { noSecurity } from "./security.ts"

/** The LogStore on Elasticsearch 9 (see store.ts). */

export type ElasticsearchStoreConfig = DocumentStoreConfig

export const makeElasticsearchStore = (config: ElasticsearchStoreConfig) => {
  const security = config.security ?? noSecurity("ELASTICSEARCH")
  const connect = resolveConnection(security, config.hosts, Duration.toMillis(config.requestTimeout)).pipe(Effect.map(elasticsearchEngine))
  return makeDocumentStore(connect, { ...config, security })
}

export const ElasticsearchStoreLive = (config: ElasticsearchStoreConfig) => Layer.scoped(LogStore, makeElasticsearchStore(config))
