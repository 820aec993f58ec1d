import { describe, expect, test } from "bun:test"
import fc from "fast-check"
import { parseTextQuery } from "../../../../src/domain/text-query.ts"
import { EsDslError } from "../../../../src/query/es-dsl/errors.ts"
import { bucketStart, nextBucket, parseInterval } from "../../../../src/query/es-dsl/interval.ts"
import { parseMsearch } from "../../../../src/query/es-dsl/msearch.ts"
import { planSearch } from "../../../../src/query/es-dsl/request.ts"
import { parseEsTime } from "../../../../src/query/es-dsl/time.ts"

/** What a `_search` body compiles to before any store sees it, and what it is refused for. */

const LIMITS = { maxTerms: 256, maxWildcards: 16, maxResultWindow: 10_000, maxQueryDepth: 4, maxAggDepth: 3, maxBuckets: 1000 }
const NOW = Date.parse("2026-12-07T12:34:56.789Z")
const plan = (body: unknown) => planSearch(body, LIMITS, NOW)
const refusal = (body: unknown): EsDslError => {
  try {
    plan(body)
  } catch (e) {
    if (e instanceof EsDslError) return e
    throw e
  }
  throw new Error("the body was accepted")
}

describe("queries compile into LogFlow's search", () => {
  test("Grafana's time filter becomes the search's time range, inclusive, and the query string its text", () => {
    const filter = plan({
      query: {
        bool: {
          filter: [
            { range: { "@timestamp": { gte: 1000, lte: "2000", format: "epoch_millis" } } },
            { query_string: { query: "level:error", analyze_wildcard: true } }
          ]
        }
      }
    }).filter
    expect(filter).toEqual({ from: 1000, to: 2000, text: { kind: "field", field: "level", op: "eq", value: "error" } })
  })

  test("gt and lt on the time field exclude their bound; two ranges narrow to both", () => {
    expect(plan({ query: { range: { timestamp: { gt: 1000, lt: 2000 } } } }).filter).toEqual({ from: 1001, to: 1999 })
    const both = {
      bool: { filter: [{ range: { "@timestamp": { gte: 1000 } } }, { range: { "@timestamp": { lte: 5000 } } }, { range: { "@timestamp": { gte: 3000 } } }] }
    }
    expect(plan({ query: both }).filter).toEqual({ from: 3000, to: 5000 })
  })

  test("a query that can match nothing needs no store", () => {
    expect(plan({ query: { match_none: {} } }).filter).toBeUndefined()
    expect(plan({ query: { bool: { must_not: { match_all: {} } } } }).filter).toBeUndefined()
    expect(plan({ query: { range: { "@timestamp": { gte: 5000, lte: 1000 } } } }).filter).toBeUndefined()
  })

  test("query_string reads adjacent terms with Lucene's OR, while -term and NOT still exclude", () => {
    expect(plan({ query: { query_string: { query: "a b -c" } } }).filter?.text).toEqual({
      kind: "and",
      children: [
        {
          kind: "or",
          children: [
            { kind: "term", value: "a", prefix: false },
            { kind: "term", value: "b", prefix: false }
          ]
        },
        { kind: "not", child: { kind: "term", value: "c", prefix: false } }
      ]
    })
    expect(plan({ query: { query_string: { query: "a b", default_operator: "and" } } }).filter?.text).toEqual(parseTextQuery("a b"))
    expect(plan({ query: { query_string: { query: "*" } } }).filter).toEqual({})
  })

  test("LogFlow's own query language keeps AND between adjacent terms", () => {
    expect(parseTextQuery("a b")?.kind).toBe("and")
    expect(parseTextQuery("a b", { implicit: "or" })?.kind).toBe("or")
  })

  test("field names: .keyword suffixes, attributes with or without their prefix, the message as full text", () => {
    const text = (query: object) => plan({ query }).filter?.text
    expect(text({ term: { "service.keyword": "api" } })).toEqual({ kind: "field", field: "service", op: "eq", value: "api" })
    expect(text({ term: { user_id: 42 } })).toEqual({ kind: "field", field: "attributes.user_id", op: "eq", value: "42" })
    expect(text({ term: { "attributes.user_id": 42 } })).toEqual({ kind: "field", field: "attributes.user_id", op: "eq", value: "42" })
    expect(text({ match_phrase: { message: "card declined" } })).toEqual({ kind: "phrase", value: "card declined" })
    expect(text({ query_string: { query: "message:declined" } })).toEqual({ kind: "term", value: "declined", prefix: false })
    expect(text({ exists: { field: "host" } })).toEqual({ kind: "field", field: "host", op: "wildcard", value: "*" })
    expect(plan({ query: { exists: { field: "service" } } }).filter).toEqual({})
  })

  test("sort, size, from and search_after", () => {
    const p = plan({ size: 5, from: 10, sort: [{ "@timestamp": { order: "asc", unmapped_type: "boolean" } }, "_doc"] })
    expect([p.size, p.from, p.ascending]).toEqual([5, 10, true])
    expect(plan({ sort: { "@timestamp": { order: "desc" }, _doc: { order: "desc" } } }).ascending).toBe(false)
    expect(plan({ search_after: [1234, "01M989WV4DFY1BPJKBXZ60D82V"] }).after).toEqual({ time: 1234 })
    expect(refusal({ sort: [{ "attributes.user_id": "asc" }] }).reason).toContain("[sort.attributes.user_id]")
    expect(refusal({ from: 1, search_after: [1] }).reason).toContain("search_after")
  })
})

describe("what is refused names the part, in Elasticsearch's error types", () => {
  const cases: Array<[string, unknown, string, string]> = [
    ["an unknown query", { query: { fuzzy: { message: "x" } } }, "illegal_argument_exception", "[query.fuzzy]"],
    ["a script in an aggregation", { aggs: { a: { avg: { script: "doc.x" } } } }, "illegal_argument_exception", "[aggs.a.avg.script]"],
    ["an unknown aggregation", { aggs: { a: { significant_terms: { field: "x" } } } }, "illegal_argument_exception", "[aggs.a.significant_terms]"],
    [
      "a time zone",
      { aggs: { a: { date_histogram: { field: "@timestamp", fixed_interval: "1m", time_zone: "Europe/Paris" } } } },
      "illegal_argument_exception",
      "time_zone"
    ],
    [
      "a histogram on another field",
      { aggs: { a: { date_histogram: { field: "received", fixed_interval: "1m" } } } },
      "illegal_argument_exception",
      "[aggs.a.date_histogram.field]"
    ],
    ["no interval", { aggs: { a: { date_histogram: { field: "@timestamp" } } } }, "parsing_exception", "fixed_interval"],
    ["a bad interval", { aggs: { a: { date_histogram: { field: "@timestamp", fixed_interval: "1 minute" } } } }, "parsing_exception", "fixed_interval"],
    [
      "an order by a missing sub-aggregation",
      { aggs: { a: { terms: { field: "service", order: { x: "desc" } } } } },
      "parsing_exception",
      "Invalid aggregation order path [x]"
    ],
    ["a post_filter", { post_filter: { match_all: {} } }, "illegal_argument_exception", "[post_filter]"],
    ["a scripted field", { script_fields: { x: { script: "1" } } }, "illegal_argument_exception", "[script_fields]"],
    ["two queries in one clause", { query: { term: { a: 1 }, match: { b: 2 } } }, "parsing_exception", "expected one query"],
    ["a bad Lucene query", { query: { query_string: { query: '"open' } } }, "parsing_exception", "Failed to parse query"],
    ["an unknown level", { query: { term: { level: "loud" } } }, "parsing_exception", "unknown level"],
    ["a bad date", { query: { range: { "@timestamp": { gte: "yesterday" } } } }, "parsing_exception", "failed to parse date field [yesterday]"],
    [
      "a Lucene regular expression (Grafana's =~ ad-hoc filter)",
      { query: { query_string: { query: "host:/web-.*/" } } },
      "illegal_argument_exception",
      "a regular expression"
    ],
    [
      "minimum_should_match 2",
      { query: { bool: { should: [{ match_all: {} }], minimum_should_match: 2 } } },
      "illegal_argument_exception",
      "minimum_should_match"
    ]
  ]
  for (const [name, body, type, part] of cases) {
    test(name, () => {
      const error = refusal(body)
      expect(error.esType).toBe(type)
      expect(error.reason).toContain(part)
    })
  }
})

describe("every bound has a setting and is refused past it", () => {
  test("from + size past ES_SEARCH_MAX_RESULT_WINDOW", () => {
    expect(plan({ size: 10_000 }).size).toBe(10_000)
    expect(refusal({ size: 5000, from: 5001 }).reason).toContain("ES_SEARCH_MAX_RESULT_WINDOW")
  })

  test("bool nesting past ES_SEARCH_MAX_QUERY_DEPTH", () => {
    const nest = (depth: number): object => (depth === 0 ? { match_all: {} } : { bool: { must: [nest(depth - 1)] } })
    expect(plan({ query: nest(4) }).filter).toEqual({})
    expect(refusal({ query: nest(5) }).reason).toContain("ES_SEARCH_MAX_QUERY_DEPTH")
  })

  test("aggregation nesting past ES_SEARCH_MAX_AGG_DEPTH, and a terms size past ES_SEARCH_MAX_BUCKETS", () => {
    const nest = (depth: number): object =>
      depth === 1 ? { t: { terms: { field: "service" } } } : { t: { terms: { field: "service" }, aggs: nest(depth - 1) } }
    expect(plan({ aggs: nest(3) }).aggs).toHaveLength(1)
    expect(refusal({ aggs: nest(4) }).reason).toContain("ES_SEARCH_MAX_AGG_DEPTH")
    expect(refusal({ aggs: { t: { terms: { field: "service", size: 1001 } } } }).reason).toContain("ES_SEARCH_MAX_BUCKETS")
  })

  test("the searches of an _msearch past ES_SEARCH_MAX_MSEARCH, and unpaired lines", () => {
    const pairs = (n: number) => "{}\n{}\n".repeat(n)
    expect(parseMsearch(pairs(3), 3)).toHaveLength(3)
    expect(() => parseMsearch(pairs(4), 3)).toThrow("ES_SEARCH_MAX_MSEARCH")
    expect(() => parseMsearch("{}\n", 3)).toThrow("in pairs")
  })

  test("any JSON as a query, aggregations or a whole body is a plan or an EsDslError, never another exception", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.constantFrom("query", "aggs", "body"), (value, where) => {
        try {
          plan(where === "body" ? value : { [where]: value })
        } catch (e) {
          expect(e).toBeInstanceOf(EsDslError)
        }
      }),
      { numRuns: 1000 }
    )
  })
})

describe("times and intervals", () => {
  test("date math on now and on a date, with rounding in UTC", () => {
    expect(parseEsTime("now", undefined, NOW, "t")).toBe(NOW)
    expect(parseEsTime("now-15m", undefined, NOW, "t")).toBe(NOW - 900_000)
    expect(parseEsTime("now-1d/d", undefined, NOW, "t")).toBe(Date.parse("2026-12-06T00:00:00Z"))
    expect(parseEsTime("now/w", undefined, NOW, "t")).toBe(Date.parse("2026-12-07T00:00:00Z"))
    expect(parseEsTime("2026-01-31||+1M", undefined, NOW, "t")).toBe(Date.parse("2026-02-28T00:00:00Z"))
    expect(parseEsTime("2024-02-29T10:00:00Z||-1y", undefined, NOW, "t")).toBe(Date.parse("2023-02-28T10:00:00Z"))
    expect(parseEsTime(1700000000, "epoch_second", NOW, "t")).toBe(1_700_000_000_000)
    expect(parseEsTime("1700000000000", "epoch_millis", NOW, "t")).toBe(1_700_000_000_000)
  })

  test("calendar buckets start on UTC boundaries, ISO weeks on Monday", () => {
    const week = parseInterval({ calendar_interval: "1w" }, "i")
    expect(new Date(bucketStart(week, NOW)).toISOString()).toBe("2026-12-07T00:00:00.000Z")
    const month = parseInterval({ calendar_interval: "month" }, "i")
    expect(new Date(nextBucket(month, bucketStart(month, NOW))).toISOString()).toBe("2027-01-01T00:00:00.000Z")
    const quarter = parseInterval({ calendar_interval: "1q" }, "i")
    expect(new Date(bucketStart(quarter, NOW)).toISOString()).toBe("2026-10-01T00:00:00.000Z")
    expect(parseInterval({ interval: "1d" }, "i")).toEqual({ kind: "fixed", ms: 86_400_000 })
    expect(parseInterval({ interval: "30s" }, "i")).toEqual({ kind: "fixed", ms: 30_000 })
    expect(parseInterval({ fixed_interval: "1000ms" }, "i")).toEqual({ kind: "fixed", ms: 1000 })
  })
})
