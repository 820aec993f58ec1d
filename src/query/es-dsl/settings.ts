import { int, settingsSection } from "../../settings.ts"

export const esSearchSettings = settingsSection(
  "Elasticsearch-compatible search",
  "Bounds on what one `_search` (or one search of an `_msearch`) under ES_COMPAT_PATH may cost. The query compiles into the store's own search; aggregations other than a plain date histogram run in LogFlow over the records the store found, within these bounds (a search that would pass one answers 400 naming it).",
  {
    ES_SEARCH_MAX_RESULT_WINDOW: int(1, 100_000).default(10_000).describe("Largest `from + size` of one search (Elasticsearch's `index.max_result_window`)."),
    ES_SEARCH_MAX_SCAN_RECORDS: int(1000, 100_000_000)
      .default(1_000_000)
      .describe("Most matching records one search may read from the store to compute its aggregations."),
    ES_SEARCH_MAX_BUCKETS: int(10, 1_000_000)
      .default(65_536)
      .describe("Most aggregation buckets one search may produce (Elasticsearch's `search.max_buckets`)."),
    ES_SEARCH_MAX_AGG_DEPTH: int(1, 20).default(5).describe("Deepest nesting of aggregations inside aggregations."),
    ES_SEARCH_MAX_QUERY_DEPTH: int(1, 100).default(20).describe("Deepest nesting of `bool` queries."),
    ES_SEARCH_MAX_MSEARCH: int(1, 1000).default(50).describe("Most searches in one `_msearch` body."),
    ES_SEARCH_MAX_BODY_BYTES: int(1024, 64 * 1024 * 1024)
      .default(1_048_576)
      .describe("Largest `_search` or `_msearch` body, in bytes."),
    ES_SEARCH_TIMEOUT_MS: int(100, 600_000)
      .default(30_000)
      .describe("Longest time one search may spend reading records for its aggregations; past it the search answers 400.")
  }
)
