import { Client, errors } from "@opensearch-project/opensearch"
import type { DocumentConnection } from "./connection.ts"
import { BULK_RESPONSE_FILTER, bulkOperations, bulkRefresh, type DocumentEngine } from "./engine.ts"
import { OPENSEARCH_DIALECT } from "./query.ts"

/**
 * The document store's calls on the OpenSearch client: requests take the body as `body` and
 * answers carry it in `body`. Requests and answers are typed by the Elasticsearch DSL types
 * the store is written in (the client's own types name the same JSON differently), hence the casts.
 */
export const opensearchEngine = (options: DocumentConnection): DocumentEngine => {
  // OpenSearch has no API keys; the settings offer none (see settings.ts).
  const auth = options.auth && "username" in options.auth ? { auth: { username: options.auth.username, password: options.auth.password } } : {}
  const client = new Client({ nodes: [...options.hosts], requestTimeout: options.requestTimeoutMs, maxRetries: 2, ssl: { ...options.tls }, ...auth })
  const api = client as any
  return {
    dialect: OPENSEARCH_DIALECT,
    putIndexTemplate: async ({ name, ...body }) => void (await api.indices.putIndexTemplate({ name, body })),
    indexExists: async (index) => (await client.indices.exists({ index })).body === true,
    createIndex: async (index, body) => void (await api.indices.create({ index, body })),
    // This client takes no AbortSignal: its requests have an abort() of their own, which closes the
    // connection, and the engine then cancels the search. Called with a callback: Bun left the
    // rejections of this client's thenable unhandled even when they were awaited.
    search: (index, body, signal) =>
      new Promise((resolve, reject) => {
        const request = api.search({ index, ignore_unavailable: true, allow_no_indices: true, body }, {}, (error: unknown, response: { body: any }) => {
          signal?.removeEventListener("abort", abort)
          if (error) reject(error)
          else resolve(response.body)
        })
        const abort = () => request.abort()
        signal?.addEventListener("abort", abort, { once: true })
      }),
    bulk: async (operations, refresh) =>
      (await api.bulk({ body: bulkOperations(operations), refresh: bulkRefresh(refresh), filter_path: BULK_RESPONSE_FILTER })).body,
    listIndices: async (pattern) =>
      ((await api.cat.indices({ index: pattern, format: "json", h: "index" })).body as Array<{ index?: string }>).flatMap((i) =>
        i.index === undefined ? [] : [i.index]
      ),
    refresh: async (index) => void (await client.indices.refresh({ index })),
    count: async (index, query) => (await api.count({ index, ...(query ? { body: { query } } : {}) })).body.count,
    deleteIndex: async (index) => void (await client.indices.delete({ index })),
    // Not retried: /health answers at once, and a refused certificate or password stays refused.
    clusterHealth: async () => (await api.cluster.health({ timeout: "2s" }, { maxRetries: 0 })).body,
    isShardUnavailable: (e) => e instanceof errors.ResponseError && e.statusCode === 503,
    close: () => client.close()
  }
}
