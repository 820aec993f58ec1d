import { Duration, Layer } from "effect"
import { LogStore } from "../../../ports/log-store.ts"
import { type DocumentStoreConfig, makeDocumentStore } from "./store.ts"
import { elasticsearchEngine } from "./elasticsearch-engine.ts"

/** The LogStore on Elasticsearch 9 (see store.ts). */

export type ElasticsearchStoreConfig = DocumentStoreConfig

export const makeElasticsearchStore = (config: ElasticsearchStoreConfig) =>
  makeDocumentStore(() => elasticsearchEngine({ hosts: config.hosts, requestTimeoutMs: Duration.toMillis(config.requestTimeout) }), config)

export const ElasticsearchStoreLive = (config: ElasticsearchStoreConfig) => Layer.scoped(LogStore, makeElasticsearchStore(config))
