import { beforeAll, describe, expect, test } from "bun:test"
import { Client, HttpConnection } from "@elastic/elasticsearch"
import { Client as Client8, HttpConnection as HttpConnection8 } from "elasticsearch-client-8"
import { eventually, searchLogs } from "../support/ingest.ts"
import { json, useServer } from "../support/server-process.ts"

/**
 * The Elasticsearch search API under /es as Grafana's Elasticsearch data source and the
 * official client use it, against the real server. The request bodies are Grafana's own, from
 * grafana/grafana's pkg/tsdb/elasticsearch (each fixture names its file and commit), with its
 * test index's field names replaced by LogFlow's: the time field `testtime` → `@timestamp`, the
 * terms field `label` → `service`, the metric field `float` → `duration_ms`, and the times by
 * those of the records below. Responses are checked field by field.
 */

const server = useServer()

/** Four whole minutes starting ten minutes ago, so retention never touches the records. */
const T0 = Math.floor((Date.now() - 10 * 60_000) / 60_000) * 60_000
const T1 = T0 + 3 * 60_000
const at = (s: number) => new Date(T0 + s * 1000).toISOString()

const RECORDS = [
  { timestamp: at(5), service: "api", level: "ERROR", message: "card declined for order 42", attributes: { duration_ms: 120, status: 502 } },
  { timestamp: at(20), service: "api", level: "INFO", message: "payment accepted for order 42", attributes: { duration_ms: 80, status: 200 } },
  { timestamp: at(65), service: "web", level: "INFO", message: "user logged in", attributes: { duration_ms: 30, status: 200 } },
  { timestamp: at(70), service: "web", level: "WARN", message: "slow request to checkout", attributes: { duration_ms: 900, status: 200 } },
  { timestamp: at(130), service: "web", level: "ERROR", message: "gateway timeout after 30 s", attributes: { duration_ms: 3000, status: 504 } },
  { timestamp: at(135), service: "api", level: "DEBUG", message: "cache warm", attributes: { duration_ms: 10, status: 200 } },
  { timestamp: at(150), service: "auth", level: "INFO", message: "user logged out", host: "auth-1", attributes: { duration_ms: 15, status: 200 } },
  { timestamp: at(175), service: "api", level: "ERROR", message: "card declined for order 43", attributes: { duration_ms: 140, status: 502 } }
]

beforeAll(async () => {
  const body = `${RECORDS.map((r) => JSON.stringify(r)).join("\n")}\n`
  const ingested = await json(fetch(`${server().url}/api/v1/logs`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body }))
  expect(ingested.accepted).toBe(RECORDS.length)
  await eventually(
    () => searchLogs(server().url, {}),
    (logs) => logs.length === RECORDS.length
  )
})

const post = (path: string, body: string, contentType = "application/json") =>
  fetch(`${server().url}${path}`, { method: "POST", headers: { "content-type": contentType }, body })
const msearch = (...lines: ReadonlyArray<unknown>) =>
  post("/es/_msearch?max_concurrent_shard_requests=5", `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`, "application/x-ndjson")
/** Grafana's header line (client/client.go, createMultiSearchRequests). */
const HEADER = { search_type: "query_then_fetch", ignore_unavailable: true, index: "logflow" }
/** Grafana's range filter on the time field (client/models.go, RangeFilter), over the records' minutes. */
const timeFilter = { range: { "@timestamp": { format: "epoch_millis", gte: T0, lte: T1 } } }
const minutes = [T0, T0 + 60_000, T0 + 120_000, T0 + 180_000]

describe("Grafana's Elasticsearch data source", () => {
  test("GET / answers the cluster information Grafana reads (version.build_flavor) and the client's tagline", async () => {
    const response = await fetch(`${server().url}/es/`)
    expect(response.headers.get("x-elastic-product")).toBe("Elasticsearch")
    const info = await response.json()
    expect(info.version.build_flavor).toBe("default")
    expect(info.version.number).toMatch(/^\d+\.\d+\.\d+$/)
    expect(info.tagline).toBe("You Know, for Search")
    const health = await json(fetch(`${server().url}/es/_cluster/health?wait_for_status=yellow`))
    expect(health.status).not.toBe("red")
  })

  test("terms → date_histogram count query (testdata/simple.request.line1+2.json, commit 010af0af88175b77205a89e314dd5dbf2c4459b7)", async () => {
    const response = await msearch(
      { ignore_unavailable: true, index: "testdb-2022.11.14", search_type: "query_then_fetch" },
      {
        aggs: {
          "3": {
            aggs: {
              "2": {
                date_histogram: { extended_bounds: { max: T1, min: T0 }, field: "@timestamp", fixed_interval: "1m", format: "epoch_millis", min_doc_count: 0 }
              }
            },
            terms: { field: "service", order: { _key: "desc" }, size: 10 }
          }
        },
        query: { bool: { filter: timeFilter } },
        size: 0
      }
    )
    expect(response.status).toBe(200)
    expect(response.headers.get("x-elastic-product")).toBe("Elasticsearch")
    const body = await response.json()
    expect(body.responses).toHaveLength(1)
    const [result] = body.responses
    expect(result.status).toBe(200)
    expect(result.timed_out).toBe(false)
    expect(result.hits.total).toEqual({ value: 8, relation: "eq" })
    expect(result.hits.hits).toEqual([])
    const terms = result.aggregations["3"]
    expect(terms.sum_other_doc_count).toBe(0)
    expect(terms.buckets.map((b: any) => [b.key, b.doc_count])).toEqual([
      ["web", 3],
      ["auth", 1],
      ["api", 4]
    ])
    const web = terms.buckets[0]["2"].buckets
    expect(web.map((b: any) => [b.key, b.key_as_string, b.doc_count])).toEqual([
      [minutes[0], String(minutes[0]), 0],
      [minutes[1], String(minutes[1]), 2],
      [minutes[2], String(minutes[2]), 1],
      [minutes[3], String(minutes[3]), 0]
    ])
    expect(terms.buckets[2]["2"].buckets.map((b: any) => b.doc_count)).toEqual([2, 0, 2, 0])
  })

  test("terms → date_histogram → max and min (testdata_request/metric_complex.request.line1.json, commit 641df4380603d5140e95fe6009698f77c43bbe75)", async () => {
    const body = await json(
      msearch(HEADER, {
        aggs: {
          "4": {
            aggs: {
              "2": {
                aggs: { "1": { max: { field: "duration_ms" } }, "3": { min: { field: "duration_ms" } } },
                date_histogram: { extended_bounds: { max: T1, min: T0 }, field: "@timestamp", fixed_interval: "1m", format: "epoch_millis", min_doc_count: 0 }
              }
            },
            terms: { field: "service", order: { _key: "desc" }, size: 10 }
          }
        },
        query: { bool: { filter: timeFilter } },
        size: 0
      })
    )
    const api = body.responses[0].aggregations["4"].buckets.find((b: any) => b.key === "api")
    expect(api.doc_count).toBe(4)
    expect(api["2"].buckets.map((b: any) => [b.doc_count, b["1"].value, b["3"].value])).toEqual([
      [2, 120, 80],
      [0, null, null],
      [2, 140, 10],
      [0, null, null]
    ])
  })

  test("date_histogram in milliseconds → min (testdata_request/metric_multi.request.line2.json, commit 3b764a1c4fee52ec02e51ba8a596d2481f1b6a7a)", async () => {
    const body = await json(
      msearch(HEADER, {
        size: 0,
        query: { bool: { filter: { range: { "@timestamp": { gte: T0, lte: T0 + 59_999, format: "epoch_millis" } } } } },
        aggs: {
          "2": {
            date_histogram: {
              field: "@timestamp",
              min_doc_count: 0,
              extended_bounds: { min: T0, max: T0 + 59_999 },
              format: "epoch_millis",
              fixed_interval: "1000ms"
            },
            aggs: { "1": { min: { field: "duration_ms" } } }
          }
        }
      })
    )
    const buckets = body.responses[0].aggregations["2"].buckets
    expect(buckets).toHaveLength(60)
    expect(buckets[5]).toEqual({ key: T0 + 5000, key_as_string: String(T0 + 5000), doc_count: 1, "1": { value: 120 } })
    expect(buckets[20]["1"].value).toBe(80)
    expect(buckets.filter((b: any) => b.doc_count > 0)).toHaveLength(2)
  })

  test("a count graph with a Lucene query: one date histogram counted by the store, the query string as Grafana marshals it (client/models.go, QueryStringFilter)", async () => {
    const body = await json(
      msearch(HEADER, {
        size: 0,
        query: { bool: { filter: [timeFilter, { query_string: { analyze_wildcard: true, query: "level:error AND (service:api OR service:web)" } }] } },
        aggs: {
          "2": { date_histogram: { interval: "1m", field: "@timestamp", min_doc_count: 0, extended_bounds: { min: T0, max: T1 }, format: "epoch_millis" } }
        }
      })
    )
    expect(body.responses[0].hits.total.value).toBe(3)
    expect(body.responses[0].aggregations["2"].buckets.map((b: any) => b.doc_count)).toEqual([1, 0, 2, 0])
  })

  test("terms ordered by a percentile of a sub-aggregation (data_query_test.go, 'With term agg and order by percentiles agg', commit 02df8800057b84eb3d1b478e216a6010c7543e55)", async () => {
    const body = await json(
      msearch(HEADER, {
        size: 0,
        query: { bool: { filter: timeFilter } },
        aggs: {
          "2": {
            terms: { field: "service", size: 5, order: { "1[95.0]": "asc" } },
            aggs: {
              "1": { percentiles: { field: "duration_ms", percents: ["95", "99"] } },
              "3": {
                date_histogram: { field: "@timestamp", fixed_interval: "1m", min_doc_count: 0, extended_bounds: { min: T0, max: T1 }, format: "epoch_millis" }
              }
            }
          }
        }
      })
    )
    const buckets = body.responses[0].aggregations["2"].buckets
    expect(buckets.map((b: any) => b.key)).toEqual(["auth", "api", "web"])
    expect(buckets[0]["1"].values).toEqual({ "95.0": 15, "99.0": 15 })
    // api: 10, 80, 120, 140; the 95th percentile lies between the two largest.
    expect(buckets[1]["1"].values["95.0"]).toBeCloseTo(137, 5)
    expect(buckets[2]["3"].buckets.map((b: any) => b.doc_count)).toEqual([0, 2, 1, 0])
  })

  test("filters → date_histogram (data_query_test.go 'With filters aggs', built by data_query.go addFiltersAgg, commit 071c707cf14ee1ce0e1a604a44bc92f0ffdff1e1)", async () => {
    const queryString = (query: string) => ({ query_string: { query, analyze_wildcard: true } })
    const body = await json(
      msearch(HEADER, {
        size: 0,
        query: { bool: { filter: timeFilter } },
        aggs: {
          "2": {
            filters: { filters: { "level:error": queryString("level:error"), "service:web": queryString("service:web") } },
            aggs: {
              "4": {
                date_histogram: { field: "@timestamp", fixed_interval: "1m", min_doc_count: 0, extended_bounds: { min: T0, max: T1 }, format: "epoch_millis" }
              }
            }
          }
        }
      })
    )
    const buckets = body.responses[0].aggregations["2"].buckets
    expect(Object.keys(buckets)).toEqual(["level:error", "service:web"])
    expect(buckets["level:error"].doc_count).toBe(3)
    expect(buckets["service:web"]["4"].buckets.map((b: any) => b.doc_count)).toEqual([0, 2, 1, 0])
  })

  test("histogram on a numeric attribute (data_query.go addHistogramAgg, commit 071c707cf14ee1ce0e1a604a44bc92f0ffdff1e1)", async () => {
    const body = await json(
      msearch(HEADER, {
        size: 0,
        query: { bool: { filter: timeFilter } },
        aggs: { "3": { histogram: { interval: 1000, field: "duration_ms", min_doc_count: 0 } } }
      })
    )
    expect(body.responses[0].aggregations["3"].buckets).toEqual([
      { key: 0, doc_count: 7 },
      { key: 1000, doc_count: 0 },
      { key: 2000, doc_count: 0 },
      { key: 3000, doc_count: 1 }
    ])
  })

  test("average, sum, cardinality and value count per service", async () => {
    const body = await json(
      post(
        "/es/logflow/_search",
        JSON.stringify({
          size: 0,
          query: { bool: { filter: [timeFilter], must_not: [{ term: { level: "DEBUG" } }] } },
          aggs: {
            s: {
              terms: { field: "service", order: { avg_d: "desc" } },
              aggs: {
                avg_d: { avg: { field: "duration_ms" } },
                sum_d: { sum: { field: "duration_ms" } },
                st: { cardinality: { field: "status" } },
                n: { value_count: { field: "host" } }
              }
            }
          }
        })
      )
    )
    const buckets = body.aggregations.s.buckets
    expect(buckets.map((b: any) => [b.key, b.doc_count, b.avg_d.value, b.sum_d.value, b.st.value, b.n.value])).toEqual([
      ["web", 3, 1310, 3930, 2, 0],
      ["api", 3, 340 / 3, 340, 2, 0],
      ["auth", 1, 15, 15, 1, 1]
    ])
  })

  test("logs query (testdata_request/logs.request.line1.json, commit 8ecf11235faba3c4f0f74677351c13f4b5494644): newest first, with the time field in `fields` and sort values", async () => {
    const body = await json(
      msearch(HEADER, {
        docvalue_fields: ["@timestamp"],
        query: { bool: { filter: [timeFilter, { query_string: { analyze_wildcard: true, query: "declined OR timeout" } }] } },
        script_fields: {},
        size: 500,
        sort: { "@timestamp": { order: "desc", unmapped_type: "boolean" }, _doc: { order: "desc" } },
        highlight: { pre_tags: ["@HIGHLIGHT@"], post_tags: ["@/HIGHLIGHT@"], fragment_size: 2147483647, fields: { "*": {} } },
        fields: [{ field: "@timestamp", format: "strict_date_optional_time_nanos" }]
      })
    )
    const result = body.responses[0]
    expect(result.status).toBe(200)
    expect(result.hits.total).toEqual({ value: 3, relation: "eq" })
    const [first] = result.hits.hits
    expect(first._index).toBe("logflow")
    expect(first._id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/)
    expect(first._source).toEqual({
      "@timestamp": at(175),
      message: "card declined for order 43",
      service: "api",
      level: "ERROR",
      attributes: { duration_ms: 140, status: 502 }
    })
    expect(first.fields).toEqual({ "@timestamp": [at(175)] })
    expect(first.sort[0]).toBe(T0 + 175_000)
    expect(result.hits.hits.map((h: any) => h._source.message)).toEqual([
      "card declined for order 43",
      "gateway timeout after 30 s",
      "card declined for order 42"
    ])
  })

  test("logs volume (datasource.ts getSupplementaryQuery, built by data_query.go addTermsAgg and addDateHistogramAgg, commit 071c707cf14ee1ce0e1a604a44bc92f0ffdff1e1): terms on the level, counted by the store", async () => {
    const body = await json(
      msearch(HEADER, {
        size: 0,
        query: { bool: { filter: [timeFilter, { query_string: { analyze_wildcard: true, query: "*" } }] } },
        aggs: {
          "2": {
            terms: { field: "level", size: 500, min_doc_count: 0, missing: "unknown", order: { _count: "desc" } },
            aggs: {
              "3": {
                date_histogram: {
                  field: "@timestamp",
                  fixed_interval: "60000ms",
                  min_doc_count: 0,
                  extended_bounds: { min: T0, max: T1 },
                  format: "epoch_millis"
                }
              }
            }
          }
        }
      })
    )
    const levels = body.responses[0].aggregations["2"].buckets
    expect(levels.map((b: any) => [b.key, b.doc_count])).toEqual([
      ["ERROR", 3],
      ["INFO", 3],
      ["DEBUG", 1],
      ["WARN", 1]
    ])
    expect(levels[0]["3"].buckets.map((b: any) => [b.key, b.doc_count])).toEqual([
      [minutes[0], 1],
      [minutes[1], 0],
      [minutes[2], 2],
      [minutes[3], 0]
    ])
  })

  test("logs query as the backend builds it (data_query.go processLogsQuery, commit 071c707cf14ee1ce0e1a604a44bc92f0ffdff1e1): hits and the histogram beside them", async () => {
    const body = await json(
      msearch(HEADER, {
        size: 2,
        query: { bool: { filter: [timeFilter, { query_string: { analyze_wildcard: true, query: "service:web" } }] } },
        sort: { "@timestamp": { order: "desc", unmapped_type: "boolean" }, _doc: { order: "desc" } },
        docvalue_fields: ["@timestamp"],
        script_fields: {},
        highlight: { fields: { "*": {} }, pre_tags: ["@HIGHLIGHT@"], post_tags: ["@/HIGHLIGHT@"], fragment_size: 2147483647 },
        aggs: {
          "1": {
            date_histogram: { field: "@timestamp", fixed_interval: "60000ms", min_doc_count: 0, extended_bounds: { min: T0, max: T1 }, format: "epoch_millis" }
          }
        }
      })
    )
    const result = body.responses[0]
    expect(result.hits.total.value).toBe(3)
    expect(result.hits.hits.map((h: any) => h._source.message)).toEqual(["gateway timeout after 30 s", "slow request to checkout"])
    expect(result.aggregations["1"].buckets.map((b: any) => b.doc_count)).toEqual([0, 2, 1, 0])
  })

  test("log context, oldest first after a line (datasource.ts makeLogContextDataRequest: sortDirection asc with the row's sort values)", async () => {
    const newest = await json(post("/es/_search", JSON.stringify({ size: 8, sort: [{ "@timestamp": "desc" }] })))
    const row = newest.hits.hits.find((h: any) => h._source.message === "user logged in")
    const after = await json(
      msearch(HEADER, {
        size: 2,
        query: { bool: { filter: timeFilter } },
        sort: { "@timestamp": { order: "asc", unmapped_type: "boolean" }, _doc: { order: "asc" } },
        search_after: row.sort
      })
    )
    expect(after.responses[0].hits.hits.map((h: any) => h._source.message)).toEqual(["slow request to checkout", "gateway timeout after 30 s"])
  })

  test("raw documents page with search_after the last hit's sort values, and oldest first", async () => {
    const page = (extra: object) =>
      json(post("/es/_search", JSON.stringify({ query: { bool: { filter: timeFilter } }, size: 3, sort: [{ "@timestamp": "desc" }], ...extra })))
    const first = await page({})
    expect(first.hits.hits.map((h: any) => h._source["@timestamp"])).toEqual([at(175), at(150), at(135)])
    const second = await page({ search_after: first.hits.hits[2].sort })
    expect(second.hits.hits.map((h: any) => h._source["@timestamp"])).toEqual([at(130), at(70), at(65)])
    const oldest = await json(post("/es/_search", JSON.stringify({ query: { match_all: {} }, size: 2, from: 1, sort: [{ "@timestamp": { order: "asc" } }] })))
    expect(oldest.hits.hits.map((h: any) => h._source["@timestamp"])).toEqual([at(20), at(65)])
    expect(oldest.hits.total.value).toBe(8)
  })

  test("_mapping and _field_caps describe LogFlow's fields, attributes typed by their values, for Grafana's field pickers", async () => {
    const mapping = await json(fetch(`${server().url}/es/logflow/_mapping`))
    const properties = mapping.logflow.mappings.properties
    expect(properties["@timestamp"].type).toBe("date")
    expect(properties.message.type).toBe("text")
    expect(properties.service.type).toBe("keyword")
    expect(properties.level.type).toBe("keyword")
    expect(properties.attributes.properties).toEqual({ duration_ms: { type: "long" }, status: { type: "long" } })
    expect(await json(fetch(`${server().url}/es/_mapping`))).toEqual(mapping)
    const caps = await json(fetch(`${server().url}/es/logflow/_field_caps?fields=*`))
    expect(caps.indices).toEqual(["logflow"])
    expect(caps.fields["attributes.duration_ms"]).toEqual({ long: { type: "long", metadata_field: false, searchable: true, aggregatable: true } })
    expect(caps.fields.message.text.aggregatable).toBe(false)
  })

  test("at the root, where the _bulk compatibility lives, the same searches answer, while GET / stays LogFlow's", async () => {
    const response = await fetch(`${server().url}/_msearch`, {
      method: "POST",
      headers: { "content-type": "application/x-ndjson" },
      body: `${JSON.stringify(HEADER)}\n${JSON.stringify({ size: 1, query: { bool: { filter: [timeFilter, { query_string: { query: "level:error" } }] } } })}\n`
    })
    expect(response.headers.get("x-elastic-product")).toBe("Elasticsearch")
    const body = await response.json()
    expect(body.responses[0].hits.total.value).toBe(3)
    expect(Object.keys((await json(fetch(`${server().url}/logflow/_mapping`))).logflow.mappings.properties)).toContain("@timestamp")
    const refused = await post("/logflow/_search", JSON.stringify({ query: { fuzzy: {} } }))
    expect(refused.status).toBe(400)
    expect((await refused.json()).error.type).toBe("illegal_argument_exception")
    const root = await fetch(`${server().url}/`)
    expect(root.headers.get("x-elastic-product")).toBeNull()
  })

  test("_cat/indices and _resolve/index list the one logical index", async () => {
    const rows = await json(fetch(`${server().url}/es/_cat/indices?format=json`))
    expect(rows).toEqual([expect.objectContaining({ health: "green", status: "open", index: "logflow", "docs.count": "8" })])
    const text = await (await fetch(`${server().url}/es/_cat/indices`)).text()
    expect(text).toStartWith("green open logflow")
    expect(await json(fetch(`${server().url}/es/_resolve/index/*`))).toEqual({
      indices: [{ name: "logflow", attributes: ["open"] }],
      aliases: [],
      data_streams: []
    })
  })
})

describe("errors in Elasticsearch's shape", () => {
  const expectEsError = async (response: Response, status: number, type: string, reason: RegExp) => {
    expect(response.status).toBe(status)
    expect(response.headers.get("x-elastic-product")).toBe("Elasticsearch")
    const body = await response.json()
    expect(body).toEqual({ error: { root_cause: [{ type, reason: expect.stringMatching(reason) }], type, reason: expect.stringMatching(reason) }, status })
  }

  test("an unsupported query or aggregation is a 400 naming the part", async () => {
    await expectEsError(
      await post("/es/_search", JSON.stringify({ query: { fuzzy: { message: "declined" } } })),
      400,
      "illegal_argument_exception",
      /\[query\.fuzzy\] the \[fuzzy\] query/
    )
    await expectEsError(
      await post("/es/_search", JSON.stringify({ aggs: { a: { geohash_grid: { field: "location" } } } })),
      400,
      "illegal_argument_exception",
      /\[aggs\.a\.geohash_grid\] the \[geohash_grid\] aggregation/
    )
    await expectEsError(await post("/es/_search", "{not json"), 400, "parsing_exception", /body/)
  })

  test("in an _msearch, a refused search is that item's error and the others answer", async () => {
    const body = await json(msearch(HEADER, { query: { script: { script: "true" } } }, HEADER, { size: 1 }))
    expect(body.responses[0]).toEqual({
      error: {
        root_cause: [{ type: "illegal_argument_exception", reason: expect.stringContaining("[query.script]") }],
        type: "illegal_argument_exception",
        reason: expect.any(String)
      },
      status: 400
    })
    expect(body.responses[1].status).toBe(200)
    expect(body.responses[1].hits.hits).toHaveLength(1)
  })

  test("a bound is a 400 naming its setting", async () => {
    await expectEsError(await post("/es/_search", JSON.stringify({ size: 10_001 })), 400, "illegal_argument_exception", /ES_SEARCH_MAX_RESULT_WINDOW/)
    const histogram = { date_histogram: { field: "@timestamp", fixed_interval: "1ms", extended_bounds: { min: 0, max: 10_000_000 } } }
    await expectEsError(
      await post("/es/_search", JSON.stringify({ size: 0, aggs: { h: histogram } })),
      400,
      "illegal_argument_exception",
      /ES_SEARCH_MAX_BUCKETS/
    )
  })

  test("read paths LogFlow does not serve are 404s, and served paths asked with another method 405s, instead of a fake index", async () => {
    await expectEsError(
      await fetch(`${server().url}/es/_nodes`),
      404,
      "resource_not_found_exception",
      /no handler found for uri \[\/es\/_nodes\] and method \[GET\]/
    )
    await expectEsError(await fetch(`${server().url}/es/_sql`), 404, "resource_not_found_exception", /_sql/)
    await expectEsError(await fetch(`${server().url}/es/logflow/_stats/store`), 404, "resource_not_found_exception", /_stats/)
    const wrong = await fetch(`${server().url}/es/_search`, { method: "DELETE" })
    expect(wrong.headers.get("allow")).toBe("GET,POST")
    await expectEsError(
      wrong,
      405,
      "method_not_allowed_exception",
      /Incorrect HTTP method for uri \[\/es\/_search\] and method \[DELETE\], allowed: \[GET, POST\]/
    )
    // What used to fall into the index catch-all now answers as itself.
    expect((await json(fetch(`${server().url}/es/_search`))).hits.total.value).toBe(8)
    expect(Object.keys(await json(fetch(`${server().url}/es/_mapping`)))).toEqual(["logflow"])
    // LogFlow's own API keeps its own error body.
    expect(await json(fetch(`${server().url}/api/v1/nothing-here`))).toMatchObject({ error: "not_found" })
  })
})

describe("the official Elasticsearch client", () => {
  const client = () => new Client({ node: `${server().url}/es`, Connection: HttpConnection })

  test("search answers without a client-side error (it checks X-Elastic-Product)", async () => {
    const result = await client().search({
      index: "logflow",
      size: 2,
      query: { bool: { filter: [{ match: { message: "declined" } }, { range: { "@timestamp": { gte: at(0), lte: at(180) } } }] } },
      aggs: { levels: { terms: { field: "level" } } }
    })
    expect(result.hits.total).toEqual({ value: 2, relation: "eq" })
    expect(result.hits.hits.map((h) => (h._source as { message: string }).message)).toEqual(["card declined for order 43", "card declined for order 42"])
    expect((result.aggregations!.levels as { buckets: unknown[] }).buckets).toEqual([{ key: "ERROR", doc_count: 2 }])
  })

  test("msearch answers each search", async () => {
    const result = await client().msearch({
      searches: [{ index: "logflow" }, { query: { match_phrase: { message: "user logged" } } }, {}, { query: { exists: { field: "host" } }, size: 5 }]
    })
    expect(result.responses).toHaveLength(2)
    const [phrase, host] = result.responses as Array<{ hits: { hits: Array<{ _source: { message: string } }> } }>
    expect(phrase!.hits.hits.map((h) => h._source.message)).toEqual(["user logged out", "user logged in"])
    expect(host!.hits.hits.map((h) => h._source.message)).toEqual(["user logged out"])
  })

  test("the 8.x client too (what most deployed shippers and tools bundle): search and msearch", async () => {
    const client8 = new Client8({ node: `${server().url}/es`, Connection: HttpConnection8 })
    const found = await client8.search({ index: "logflow", q: "service:auth", size: 1 })
    expect(found.hits.hits.map((h) => (h._source as { message: string }).message)).toEqual(["user logged out"])
    const multi = await client8.msearch({ searches: [{}, { size: 0, aggs: { s: { cardinality: { field: "service" } } } }] })
    expect((multi.responses[0] as unknown as { aggregations: { s: { value: number } } }).aggregations.s.value).toBe(3)
  })

  test("a refused search is an ResponseError the client decodes, with Elasticsearch's error type", async () => {
    const refused = await client()
      .search({ index: "logflow", query: { fuzzy: { message: { value: "x" } } } })
      .then(
        () => undefined,
        (e) => e
      )
    expect(refused?.name).toBe("ResponseError")
    expect(refused.meta.statusCode).toBe(400)
    expect(refused.body.error.type).toBe("illegal_argument_exception")
  })
})

describe("the same read access and a query_api rate limit", () => {
  const guarded = useServer(() => ({ env: { REQUIRE_AUTH_FOR_READ: "true", RATE_LIMIT_QUERY_API: "4/minute" } }))

  const readKey = async () => {
    const url = guarded().url
    const login = await json(
      fetch(`${url}/api/v1/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "admin", password: "admin123" })
      })
    )
    const created = await json(
      fetch(`${url}/api/v1/auth/api-keys`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${login.access_token}` },
        body: JSON.stringify({ name: "grafana", scopes: ["read"] })
      })
    )
    return created.key as string
  }

  test("without credentials a search is a 401 in Elasticsearch's shape; with a read API key it answers, until the query_api limit is a 429", async () => {
    const search = (headers: Record<string, string> = {}) =>
      fetch(`${guarded().url}/es/_search`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: "{}" })
    const refused = await search()
    expect(refused.status).toBe(401)
    expect(refused.headers.get("x-elastic-product")).toBe("Elasticsearch")
    expect((await refused.json()).error.type).toBe("security_exception")
    const key = await readKey()
    const statuses: number[] = []
    for (let i = 0; i < 6; i++) statuses.push((await search({ authorization: `Bearer ${key}` })).status)
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200])
    const limited = await search({ authorization: `Bearer ${key}` })
    expect(limited.status).toBe(429)
    expect(limited.headers.get("retry-after")).not.toBeNull()
    expect((await limited.json()).error.type).toBe("es_rejected_execution_exception")
  })
})

describe("the bounds on what one search reads", () => {
  const bounded = useServer(() => ({ env: { ES_SEARCH_MAX_SCAN_RECORDS: "1000", ES_SEARCH_MAX_BODY_BYTES: "1024" } }))

  test("aggregations that would read more than ES_SEARCH_MAX_SCAN_RECORDS, and a body past ES_SEARCH_MAX_BODY_BYTES, are refused naming the setting", async () => {
    const url = bounded().url
    const lines = Array.from({ length: 1001 }, (_, i) => JSON.stringify({ service: "bulk", message: `line ${i}`, attributes: { n: i } })).join("\n")
    const ingested = await json(fetch(`${url}/api/v1/logs`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body: `${lines}\n` }))
    expect(ingested.accepted).toBe(1001)
    const search = (body: string) => fetch(`${url}/es/_search`, { method: "POST", headers: { "content-type": "application/json" }, body })
    const tooMany = await eventually(
      () => search(JSON.stringify({ size: 0, aggs: { n: { avg: { field: "n" } } } })).then(async (r) => ({ status: r.status, body: await r.json() })),
      (r) => r.status === 400
    )
    expect(tooMany.body.error.type).toBe("illegal_argument_exception")
    expect(tooMany.body.error.reason).toContain("ES_SEARCH_MAX_SCAN_RECORDS")
    const big = await search(JSON.stringify({ query: { query_string: { query: "x".repeat(2000) } } }))
    expect(big.status).toBe(413)
    expect((await big.json()).error.type).toBe("content_too_long_exception")
  })
})
