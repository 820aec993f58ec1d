import { Client, errors, HttpConnection } from "@elastic/elasticsearch"
import type { DocumentConnection } from "./connection.ts"
import { BULK_RESPONSE_FILTER, bulkOperations, bulkRefresh, type DocumentEngine } from "./engine.ts"
import { ELASTICSEARCH_DIALECT } from "./query.ts"

/** The document store's calls on the official Elasticsearch client. */
export const elasticsearchEngine = (options: DocumentConnection): DocumentEngine => {
  const client = new Client({
    nodes: [...options.hosts],
    // The default (undici) connection does not work on Bun; the node:http one does.
    Connection: HttpConnection,
    requestTimeout: options.requestTimeoutMs,
    maxRetries: 2,
    tls: { ...options.tls },
    ...(options.auth ? { auth: { ...options.auth } } : {})
  })
  return {
    dialect: ELASTICSEARCH_DIALECT,
    putIndexTemplate: async (template) => void (await client.indices.putIndexTemplate(template)),
    indexExists: (index) => client.indices.exists({ index }),
    createIndex: async (index, body) => void (await client.indices.create({ index, ...body })),
    search: (index, body, signal) => client.search({ index, ignore_unavailable: true, allow_no_indices: true, ...body }, signal ? { signal } : {}),
    bulk: (operations, refresh) =>
      client.bulk({ operations: bulkOperations(operations) as any, refresh: bulkRefresh(refresh), filter_path: BULK_RESPONSE_FILTER }),
    listIndices: async (pattern) =>
      (await client.cat.indices({ index: pattern, format: "json", h: ["index"] })).flatMap((i) => (i.index === undefined ? [] : [i.index])),
    refresh: async (index) => void (await client.indices.refresh({ index })),
    count: async (index, query) => (await client.count({ index, ...(query ? { query } : {}) })).count,
    deleteIndex: async (index) => void (await client.indices.delete({ index })),
    // Not retried: /health answers at once, and a refused certificate or password stays refused.
    clusterHealth: () => client.cluster.health({ timeout: "2s" }, { maxRetries: 0 }),
    isShardUnavailable: (e) => e instanceof errors.ResponseError && e.statusCode === 503,
    close: () => client.close()
  }
}
