import { int, settingsSection } from "../../settings.ts"

export const indexingSettings = settingsSection("Indexing and search", "How records are batched into the log store, and how searches count, in either store.", {
  INDEXER_BATCH_SIZE: int(1, 1_000_000).default(4_000).describe("Records the indexer gathers before it writes a batch to the store."),
  INDEXER_FLUSH_MS: int(1, 60_000).default(20).describe("Longest time a record waits in the indexer for its batch to fill."),
  INDEXER_MAILBOX: int(1, 100_000).default(64).describe("Deliveries the indexer's mailbox holds before partition consumers wait."),
  INDEXER_WRITES_IN_FLIGHT: int(1, 64)
    .optional()
    .describe(
      "Batches the indexer writes at once (the next while the last ones' answers come back); answered in order. Default: 8 on Elasticsearch and OpenSearch, where each write with ELASTICSEARCH_REFRESH=wait_for waits for the next refresh, so one worker stores at most this times INDEXER_BATCH_SIZE records per refresh; 2 on SQLite."
    ),
  SEARCH_COUNT_CAP: int(1, 10_000_000).default(10_000).describe("Searches count matches exactly up to this many, then report a lower bound."),
  SEARCH_TIMEOUT_MS: int(10, 600_000)
    .default(5_000)
    .describe(
      'Longest a search, facet, histogram, context or alert evaluation may read the log store; then it stops and answers 503 naming this budget (a page already complete is returned; facets answer the sample tallied so far). An alert rule whose evaluation runs past it is put in state `error` with the reason, counted in `alert_evaluations_total{result="budget_exceeded"}`, and not evaluated again until it is edited.'
    ),
  SEARCH_MAX_TERMS: int(1, 256)
    .default(256)
    .describe("Words, phrases and field conditions one query (search, live tail, alert rule) may hold; more is a 400 naming this setting."),
  SEARCH_MAX_WILDCARDS: int(0, 256)
    .default(64)
    .describe("`prefix*` words and `field:wild*card` conditions one query may hold; more is a 400 naming this setting."),
  SEARCH_MAX_REGEX: int(0, 256)
    .default(16)
    .describe(
      "Regular expressions one LogQL query may hold (`=~` and `!~` matchers, `|~` and `!~` line filters, label filters); more is a 400 naming this setting. Every regular expression runs in time linear in the text (RE2 semantics)."
    ),
  SEARCH_MAX_REGEX_LENGTH: int(1, 4096).default(512).describe("Characters of one regular expression in a query; a longer one is a 400 naming this setting.")
})

/** INDEXER_WRITES_IN_FLIGHT as given, or its default for the store (see its description). */
export const writesInFlight = (c: {
  readonly INDEXER_WRITES_IN_FLIGHT?: number | undefined
  readonly ELASTICSEARCH_HOSTS?: string | undefined
  readonly OPENSEARCH_HOSTS?: string | undefined
}) => c.INDEXER_WRITES_IN_FLIGHT ?? (c.ELASTICSEARCH_HOSTS !== undefined || c.OPENSEARCH_HOSTS !== undefined ? 8 : 2)
