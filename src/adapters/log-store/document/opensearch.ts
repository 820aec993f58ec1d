import { Duration, Effect, Layer } from "effect"
import { LogStore } from "../../../ports/log-store.ts"
import { resolveConnection } from "./connection.ts"
import { type DocumentStoreConfig, makeDocumentStore } from "./store.ts"
import { opensearchEngine } from "./opensearch-engine.ts"
import { noSecurity } from "./security.ts"

/**
 * The LogStore on OpenSearch 3: the same store as on Elasticsearch (store.ts), through
 * the OpenSearch client. Differences: attribute keys are escaped in field names (no
 * `subobjects: false`), and past the field limit a record goes to the dead letters (no
 * `ignore_dynamic_beyond_limit`); see template.ts.
 */

export type OpenSearchStoreConfig = DocumentStoreConfig

export const makeOpenSearchStore = (config: OpenSearchStoreConfig) => {
  const security = config.security ?? noSecurity("OPENSEARCH")
  const connect = resolveConnection(security, config.hosts, Duration.toMillis(config.requestTimeout)).pipe(Effect.map(opensearchEngine))
  return makeDocumentStore(connect, { ...config, security })
}

export const OpenSearchStoreLive = (config: OpenSearchStoreConfig) => Layer.scoped(LogStore, makeOpenSearchStore(config))
