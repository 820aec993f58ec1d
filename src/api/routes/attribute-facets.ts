import { Effect } from "effect"
import type { LogRecord } from "../../domain/log-record.ts"
import type { SearchRequest } from "../../domain/search-request.ts"
import { LogStore } from "../../ports/log-store.ts"

/**
 * Top attributes of a search for the console's field list: the attribute keys most often
 * present among the newest matches, each with its most frequent values. Counted over a sample
 * (the newest ATTRIBUTE_SAMPLE matches) through the store's ordinary search, so it costs one
 * page on every store; the response says how many records were looked at.
 */

export const ATTRIBUTE_SAMPLE = 1000

export interface AttributeFacet {
  readonly key: string
  /** Sampled records carrying the key. */
  readonly count: number
  readonly values: ReadonlyArray<{ readonly value: string; readonly count: number }>
}

const top = <T>(counts: Map<T, number>, n: number) => [...counts].sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0]))).slice(0, n)

/** The `keys` most present attribute keys of the records, with their `values` most frequent values each. */
export const countAttributes = (records: ReadonlyArray<LogRecord>, keys: number, values: number): AttributeFacet[] => {
  const byKey = new Map<string, Map<string, number>>()
  for (const record of records) {
    for (const [key, value] of Object.entries(record.attributes)) {
      let counts = byKey.get(key)
      if (!counts) byKey.set(key, (counts = new Map()))
      const text = String(value)
      counts.set(text, (counts.get(text) ?? 0) + 1)
    }
  }
  const presence = new Map([...byKey].map(([key, counts]) => [key, [...counts.values()].reduce((a, b) => a + b, 0)]))
  return top(presence, keys).map(([key, count]) => ({
    key,
    count,
    values: top(byKey.get(key)!, values).map(([value, n]) => ({ value, count: n }))
  }))
}

export const attributeFacets = (request: Omit<SearchRequest, "limit" | "cursor">, keys: number, values: number) =>
  Effect.gen(function* () {
    const page = yield* Effect.flatMap(LogStore, (store) => store.search({ ...request, limit: ATTRIBUTE_SAMPLE }))
    return { attributes: countAttributes(page.logs, keys, values), attribute_sample: page.logs.length }
  })
