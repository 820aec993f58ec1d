import { int, settingsSection } from "../../settings.ts"

export const logqlSettings = settingsSection(
  "LogQL and the Loki query API",
  "Bounds on what one query of `/loki/api/v1/…` may cost. The selector and plain-text line filters run in the store; parsers, formatting, regular expressions and aggregations run in LogFlow over the records the store found, within these bounds (a query that would exceed one answers 400 naming it).",
  {
    LOGQL_MAX_SCAN_RECORDS: int(1000, 100_000_000)
      .default(1_000_000)
      .describe("Most candidate records one query may read from the store for LogFlow to process (parsers, regular expressions, aggregations)."),
    LOGQL_QUERY_TIMEOUT_MS: int(100, 600_000).default(30_000).describe("Longest time one query may run; past it the query answers 400."),
    LOGQL_REGEX_MAX_LINE_BYTES: int(256, 16 * 1024 * 1024)
      .default(65_536)
      .describe("Characters of each line a regular expression reads (longer lines are matched on their start only, and the response warns)."),
    LOGQL_MAX_ENTRIES: int(1, 100_000).default(5000).describe("Largest `limit` of a log query (lines returned)."),
    LOGQL_MAX_SERIES: int(1, 1_000_000).default(10_000).describe("Most series one metric query may produce."),
    LOGQL_MAX_POINTS: int(10, 1_000_000).default(11_000).describe("Most evaluation steps of a range query ((end - start) / step)."),
    LOGQL_LINE_FORMAT_MAX_BYTES: int(256, 16 * 1024 * 1024)
      .default(65_536)
      .describe("Longest line `| line_format` may produce (longer output is cut there)."),
    LOGQL_METADATA_SCAN_RECORDS: int(100, 10_000_000)
      .default(10_000)
      .describe(
        "Newest matching records `/series`, and `/label/{name}/values` of labels other than service_name and level, read to list label sets and values (those two come from the store's counts, whole)."
      )
  }
)
