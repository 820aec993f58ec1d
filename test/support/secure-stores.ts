import { Cause, Effect, Exit, Layer } from "effect"
import { ElasticsearchStoreLive } from "../../src/adapters/log-store/document/elasticsearch.ts"
import { OpenSearchStoreLive } from "../../src/adapters/log-store/document/opensearch.ts"
import type { DocumentSecurity } from "../../src/adapters/log-store/document/security.ts"
import { parseTextQuery } from "../../src/domain/text-query.ts"
import { LogStore } from "../../src/ports/log-store.ts"
import { makeRecord } from "./records.ts"
import { json } from "./server-process.ts"

/**
 * What the security tests do with a document store: open it with given credentials and
 * certificates, write records and find them again, or see why it does not start; and wait
 * for /health to tell a given problem.
 */

export type DocumentEngineKind = "elasticsearch" | "opensearch"

export const secureStore = (kind: DocumentEngineKind, hosts: string, index: string, security: DocumentSecurity) =>
  (kind === "elasticsearch" ? ElasticsearchStoreLive : OpenSearchStoreLive)({
    hosts: hosts.split(","),
    index,
    shards: 1,
    replicas: 0,
    refresh: "true",
    countCap: 50,
    fieldLimit: 1000,
    requestTimeout: "10 seconds",
    security
  })

/** Writes two records through the store and searches them by a word of theirs: the ids found, the ids sent, and the store's health. */
export const roundTrip = (store: Layer.Layer<LogStore, unknown>) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const logs = yield* LogStore
      const word = `secured${Math.random().toString(36).slice(2, 10)}`
      const records = [makeRecord({ message: `${word} first` }), makeRecord({ message: `${word} second`, level: "ERROR" })]
      yield* logs.index(records)
      const page = yield* logs.search({ limit: 10, text: parseTextQuery(word)! })
      return { found: page.logs.map((l) => l.id).sort(), sent: records.map((r) => r.id).sort(), health: yield* logs.health }
    }).pipe(Effect.provide(store))
  )

/** Why the store does not start, as the error's text (the test fails if it starts). */
export const startFailure = async (store: Layer.Layer<LogStore, unknown>) => {
  const exit = await Effect.runPromiseExit(Layer.build(store).pipe(Effect.scoped))
  if (Exit.isSuccess(exit)) throw new Error("the store started")
  return Cause.pretty(exit.cause)
}

/** /health until its log-store entry names `problem` (or is healthy, for `undefined`); the last report. */
export const healthUntil = async (url: string, problem: string | undefined, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const report = await json(fetch(`${url}/health`))
    if (problem === undefined ? report.services.log_store === "healthy" : report.details.log_store.problem === problem) return report
    if (Date.now() > deadline)
      throw new Error(`/health did not report ${problem ?? "healthy"} within ${timeoutMs} ms: ${JSON.stringify(report.details.log_store)}`)
    await Bun.sleep(100)
  }
}
