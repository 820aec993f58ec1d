import { beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test"
import { Effect } from "effect"
import fc from "fast-check"
import type { LogRecord } from "../../src/domain/log-record.ts"
import { recordMatcher } from "../../src/domain/record-matcher.ts"
import { LogStore } from "../../src/ports/log-store.ts"
import { type EquivalenceStores, equivalenceEngines, type Store } from "../support/equivalence-stores.ts"
import { executeSearch } from "../../src/query/es-dsl/execute.ts"
import { planSearch } from "../../src/query/es-dsl/request.ts"
import { inCI } from "../support/ci.ts"
import { BASE_TIME, recordsArbitrary } from "../support/query-arbitraries.ts"
import { makeRecord } from "../support/records.ts"

/**
 * The Elasticsearch query DSL compiles into LogFlow's own search, so one DSL query returns the
 * same records, in the same order, on SQLite, Elasticsearch and OpenSearch, and the same
 * aggregations: a table of DSL queries, each also checked against the records it must find among
 * fixed ones (so the compiled meaning is right, not only shared), and against LogFlow's
 * in-memory matcher of the compiled search over generated records.
 */

setDefaultTimeout(120_000)

const { esHosts, osHosts, openStores } = await equivalenceEngines("lf-esdsl")
const engines = !!esHosts && !!osHosts
if (!engines && inCI()) throw new Error("Elasticsearch and OpenSearch are needed for the query DSL equivalence suite")
if (!engines) console.log("skipping the query DSL equivalence suite: set TEST_ELASTICSEARCH_HOSTS and TEST_OPENSEARCH_HOSTS")

const GENERATED = 150
const generated = fc.sample(recordsArbitrary(GENERATED), { seed: 20261207, numRuns: 1 })[0]!
const at = (s: number) => BASE_TIME + (GENERATED + s) * 1000
/** Fixed records carry `fixture: yes`, so a table query scoped to them knows exactly what it must find. */
const fixture = (s: number, overrides: Partial<LogRecord>) =>
  makeRecord({ timestamp: at(s), ...overrides, attributes: { fixture: "yes", ...(overrides.attributes ?? {}) } })
const fixed = {
  declined: fixture(1, {
    service: "payments",
    level: "ERROR",
    message: "Card declined for order 1234",
    host: "pay-1",
    trace_id: "trace-aa",
    attributes: { user_id: 42, amount: 19.99 }
  }),
  timeout: fixture(2, {
    service: "payments",
    level: "WARN",
    message: "gateway timeout after 30 s, retrying",
    host: "pay-2",
    attributes: { status: 504, retry: true }
  }),
  login: fixture(3, { service: "auth", level: "INFO", message: "user logged in", host: "auth-1", attributes: { user_id: 7, method: "password" } }),
  slow: fixture(4, { service: "search", level: "INFO", message: "slow query took 1500 ms", attributes: { duration_ms: 1500 } }),
  disk: fixture(5, { service: "search", level: "FATAL", message: "disk full on data volume", attributes: { duration_ms: 3 } })
}
const records: LogRecord[] = [...generated, ...Object.values(fixed)]
let stores: EquivalenceStores = {} as never

beforeAll(async () => {
  if (!engines) return
  stores = await openStores()
  await Promise.all(Object.values(stores).map((store) => Effect.runPromise(store.index(records))))
})

const LIMITS = {
  maxTerms: 256,
  maxWildcards: 16,
  maxResultWindow: 10_000,
  maxQueryDepth: 20,
  maxAggDepth: 5,
  maxBuckets: 65_536,
  maxScanRecords: 100_000,
  timeoutMs: 30_000
}
const NOW = at(100)

/** What each store answers for one `_search` body. */
const answers = async (body: object) => {
  const plan = planSearch(body, LIMITS, NOW)
  const ask = (store: Store) => Effect.runPromise(executeSearch(plan, "logflow", LIMITS).pipe(Effect.provideService(LogStore, store)))
  const [sqlite, elasticsearch, opensearch] = await Promise.all([ask(stores.sqlite), ask(stores.elasticsearch), ask(stores.opensearch)])
  return { sqlite: sqlite as any, elasticsearch: elasticsearch as any, opensearch: opensearch as any }
}
const ids = (response: any): string[] => response.hits.hits.map((h: any) => h._id)
const newestFirst = (...picked: LogRecord[]) => [...picked].sort((a, b) => b.timestamp - a.timestamp).map((r) => r.id)
const scoped = (query: object) => ({ size: 100, query: { bool: { filter: [query, { term: { "attributes.fixture": "yes" } }] } } })

describe.skipIf(!engines)("one query DSL search, the same records on SQLite, Elasticsearch and OpenSearch", () => {
  const table: Array<[string, object, LogRecord[]]> = [
    ["query_string: a word", { query_string: { query: "declined" } }, [fixed.declined]],
    ["query_string: Lucene's default OR", { query_string: { query: "declined timeout" } }, [fixed.declined, fixed.timeout]],
    ["query_string: default_operator AND", { query_string: { query: "gateway timeout", default_operator: "AND" } }, [fixed.timeout]],
    ["query_string: a phrase and a field", { query_string: { query: '"user logged" AND service:auth' } }, [fixed.login]],
    ["query_string: a wildcard value", { query_string: { query: "service:pay*" } }, [fixed.declined, fixed.timeout]],
    ["query_string: a numeric range", { query_string: { query: "duration_ms:[1000 TO 2000]" } }, [fixed.slow]],
    ["query_string: NOT, -term and a prefix", { query_string: { query: "service:search -disk NOT gateway" } }, [fixed.slow]],
    ["query_string: message: and _exists_", { query_string: { query: "message:logged OR _exists_:amount" } }, [fixed.declined, fixed.login]],
    [
      "query_string: @timestamp range",
      { query_string: { query: `@timestamp:[${new Date(at(2)).toISOString()} TO ${new Date(at(3)).toISOString()}]` } },
      [fixed.timeout, fixed.login]
    ],
    ["term on level, normalised", { term: { level: "error" } }, [fixed.declined]],
    ["term on a keyword sub-field name", { term: { "service.keyword": "auth" } }, [fixed.login]],
    ["terms on host", { terms: { host: ["pay-2", "auth-1"] } }, [fixed.timeout, fixed.login]],
    ["term on a numeric attribute", { term: { user_id: 42 } }, [fixed.declined]],
    ["term on a boolean attribute", { term: { retry: true } }, [fixed.timeout]],
    ["match: any of the words", { match: { message: "disk logged" } }, [fixed.login, fixed.disk]],
    ["match: all of the words", { match: { message: { query: "gateway retrying", operator: "and" } } }, [fixed.timeout]],
    ["match on a keyword field", { match: { service: "search" } }, [fixed.slow, fixed.disk]],
    ["match_phrase", { match_phrase: { message: "card declined" } }, [fixed.declined]],
    ["match_phrase in the wrong order", { match_phrase: { message: "declined card" } }, []],
    ["prefix on the message", { prefix: { message: "retry" } }, [fixed.timeout]],
    ["wildcard on a field", { wildcard: { host: { value: "pay-*" } } }, [fixed.declined, fixed.timeout]],
    ["exists on host", { exists: { field: "host" } }, [fixed.declined, fixed.timeout, fixed.login]],
    ["exists on trace_id", { exists: { field: "trace_id" } }, [fixed.declined]],
    ["exists on an attribute", { exists: { field: "attributes.duration_ms" } }, [fixed.slow, fixed.disk]],
    [
      "range on @timestamp, epoch_millis",
      { range: { "@timestamp": { gte: at(2), lte: at(4), format: "epoch_millis" } } },
      [fixed.timeout, fixed.login, fixed.slow]
    ],
    [
      "range on timestamp, ISO dates, exclusive",
      { range: { timestamp: { gt: new Date(at(2)).toISOString(), lt: new Date(at(5)).toISOString() } } },
      [fixed.login, fixed.slow]
    ],
    ["range on a numeric attribute", { range: { duration_ms: { gt: 3 } } }, [fixed.slow]],
    [
      "bool: must, filter, must_not",
      { bool: { must: [{ match: { message: "user" } }], filter: { term: { service: "auth" } }, must_not: [{ term: { level: "ERROR" } }] } },
      [fixed.login]
    ],
    ["bool: should alone needs one", { bool: { should: [{ term: { level: "FATAL" } }, { term: { level: "WARN" } }] } }, [fixed.timeout, fixed.disk]],
    [
      "bool: should beside filter needs none",
      { bool: { filter: [{ term: { service: "search" } }], should: [{ term: { level: "WARN" } }] } },
      [fixed.slow, fixed.disk]
    ],
    [
      "bool: should with minimum_should_match 1",
      { bool: { filter: [{ term: { service: "search" } }], should: [{ term: { level: "FATAL" } }], minimum_should_match: 1 } },
      [fixed.disk]
    ],
    ["bool inside bool", { bool: { must_not: { bool: { should: [{ term: { service: "payments" } }, { term: { service: "search" } }] } } } }, [fixed.login]],
    ["match_all", { match_all: {} }, Object.values(fixed)],
    ["match_none", { match_none: {} }, []]
  ]

  for (const [name, query, expected] of table) {
    test(name, async () => {
      const { sqlite, elasticsearch, opensearch } = await answers(scoped(query))
      expect(ids(sqlite)).toEqual(newestFirst(...expected))
      expect(ids(elasticsearch)).toEqual(ids(sqlite))
      expect(ids(opensearch)).toEqual(ids(sqlite))
      expect(elasticsearch.hits.total).toEqual(sqlite.hits.total)
      expect(opensearch.hits.total).toEqual(sqlite.hits.total)
    })
  }

  test("over the generated records, each query finds what LogFlow's in-memory matcher of the compiled search finds", async () => {
    for (const [name, query] of table) {
      const body = { size: 500, query }
      const plan = planSearch(body, LIMITS, NOW)
      const filter = plan.filter
      // The matcher is live tail's: it leaves the time range to the caller.
      const inRange = (r: LogRecord) => filter !== undefined && r.timestamp >= (filter.from ?? 0) && r.timestamp <= (filter.to ?? Number.MAX_SAFE_INTEGER)
      const matcher = filter === undefined ? () => false : recordMatcher(filter)
      const matches = (r: LogRecord) => inRange(r) && matcher(r)
      const expected = records
        .filter(matches)
        .sort((a, b) => b.timestamp - a.timestamp)
        .map((r) => r.id)
      const { sqlite, elasticsearch, opensearch } = await answers(body)
      expect({ name, ids: ids(sqlite) }).toEqual({ name, ids: expected })
      expect({ name, ids: ids(elasticsearch) }).toEqual({ name, ids: expected })
      expect({ name, ids: ids(opensearch) }).toEqual({ name, ids: expected })
    }
  })

  test("aggregations as Grafana nests them answer the same on every store", async () => {
    const { sqlite, elasticsearch, opensearch } = await answers({
      size: 0,
      query: {
        bool: { filter: [{ range: { "@timestamp": { gte: BASE_TIME, lte: at(10), format: "epoch_millis" } } }, { query_string: { query: "NOT level:TRACE" } }] }
      },
      aggs: {
        services: {
          terms: { field: "service", size: 10, order: { _key: "asc" } },
          aggs: {
            over_time: {
              date_histogram: {
                field: "@timestamp",
                fixed_interval: "30s",
                min_doc_count: 0,
                extended_bounds: { min: BASE_TIME, max: at(10) },
                format: "epoch_millis"
              },
              aggs: {
                d: { avg: { field: "duration_ms" } },
                p: { percentiles: { field: "duration_ms", percents: [50, 95] } },
                hosts: { cardinality: { field: "host" } }
              }
            },
            levels: { terms: { field: "level" } }
          }
        },
        count: { date_histogram: { field: "@timestamp", calendar_interval: "1m" } },
        durations: { histogram: { field: "duration_ms", interval: 50, min_doc_count: 0 }, aggs: { s: { sum: { field: "duration_ms" } } } },
        picked: {
          filters: {
            filters: {
              errors: { query_string: { query: "level:error OR level:fatal" } },
              eu: { term: { region: "eu" } },
              words: { match: { message: "timeout" } }
            }
          },
          aggs: { services: { terms: { field: "service" } } }
        }
      }
    })
    expect(sqlite.aggregations.services.buckets.length).toBeGreaterThan(2)
    expect(elasticsearch.aggregations).toEqual(sqlite.aggregations)
    expect(opensearch.aggregations).toEqual(sqlite.aggregations)
    expect(elasticsearch.hits.total).toEqual(sqlite.hits.total)
  })

  test("a lone date histogram, counted by each store itself, matches the one LogFlow computes", async () => {
    const histogram = { date_histogram: { field: "@timestamp", fixed_interval: "10s", min_doc_count: 1 } }
    const counted = await answers({ size: 0, query: { match: { message: "error" } }, aggs: { h: histogram } })
    const computed = await answers({
      size: 0,
      query: { match: { message: "error" } },
      aggs: { h: { ...histogram, aggs: { n: { value_count: { field: "service" } } } } }
    })
    const plain = (response: any) => response.aggregations.h.buckets.map((b: any) => [b.key, b.doc_count])
    expect(plain(counted.sqlite)).toEqual(plain(computed.sqlite))
    expect(plain(counted.elasticsearch)).toEqual(plain(computed.sqlite))
    expect(plain(counted.opensearch)).toEqual(plain(computed.sqlite))
  })

  test("terms on the level or the service holding a date histogram, counted by each store, match what LogFlow computes", async () => {
    for (const field of ["level", "service"]) {
      const histogram = { date_histogram: { field: "@timestamp", fixed_interval: "20s", min_doc_count: 0, extended_bounds: { min: BASE_TIME, max: at(10) } } }
      const terms = { field, size: 500, min_doc_count: 0, missing: "unknown", order: { _count: "desc" } }
      const query = { query_string: { query: "NOT retry:true" } }
      const counted = await answers({ size: 0, query, aggs: { t: { terms, aggs: { h: histogram } } } })
      // A metric under the histogram makes LogFlow read the records instead.
      const computed = await answers({
        size: 0,
        query,
        aggs: { t: { terms, aggs: { h: { ...histogram, aggs: { n: { value_count: { field: "service" } } } } } } }
      })
      const plain = (response: any) => response.aggregations.t.buckets.map((b: any) => [b.key, b.doc_count, b.h.buckets.map((h: any) => [h.key, h.doc_count])])
      expect(plain(computed.sqlite).length).toBeGreaterThan(1)
      expect(plain(counted.sqlite)).toEqual(plain(computed.sqlite))
      expect(plain(counted.elasticsearch)).toEqual(plain(computed.sqlite))
      expect(plain(counted.opensearch)).toEqual(plain(computed.sqlite))
    }
  })

  test("search_after pages through the same records on every store", async () => {
    for (const store of ["sqlite", "elasticsearch", "opensearch"] as const) {
      const seen: string[] = []
      let after: unknown
      for (let page = 0; page < 40; page++) {
        const body = { size: 7, query: { match_all: {} }, ...(after ? { search_after: after } : {}) }
        const response = (await answers(body))[store]
        seen.push(...ids(response))
        if (response.hits.hits.length < 7) break
        after = response.hits.hits.at(-1).sort
      }
      expect(seen).toEqual(newestFirst(...records))
    }
  })
})
