import { Context } from "effect"
import type { Counter, Gauge, Histogram, Registry } from "prom-client"
import type { ActorRegistry } from "./actor-registry.ts"

/**
 * Every metric LogFlow exports, defined once (src/telemetry/prometheus.ts makes them). Names and
 * labels are a contract with users' dashboards; the store's query metrics are named for the
 * store in use (`sqlite_queries_total`, `elasticsearch_queries_total`). Labels only ever take
 * bounded values: route templates, limit names, levels, services (which users choose).
 */
export interface TelemetryInstruments {
  readonly registry: Registry
  readonly httpRequests: Counter<"method" | "endpoint" | "status">
  readonly httpDuration: Histogram<"method" | "endpoint">
  readonly logsProcessed: Counter
  readonly logsIndexed: Counter<"service" | "level">
  readonly ingestRecords: Counter<"protocol" | "result">
  readonly storeQueries: Counter<"operation">
  readonly storeQueryDuration: Histogram<"operation">
  readonly cacheHits: Counter<"cache_key_prefix">
  readonly cacheMisses: Counter<"cache_key_prefix">
  readonly databaseQueries: Counter<"operation">
  readonly databaseConnections: Gauge
  readonly authAttempts: Counter<"result">
  readonly usersRegistered: Counter
  readonly alertsTriggered: Counter<"rule_name">
  readonly alertsChecked: Counter
  /** Evaluations by outcome: `ok`, `budget_exceeded` (the rule is then in state `error`), `failed` (a store was down). */
  readonly alertEvaluations: Counter<"result">
  readonly alertNotifications: Counter<"channel" | "outcome">
  readonly rateLimitExceeded: Counter<"endpoint">
  /** Syslog TCP connections LogFlow closed itself, by reason (`limit`, `source_limit`, `idle`). */
  readonly syslogConnectionsClosed: Counter<"reason">
  /** Syslog messages longer than SYSLOG_MAX_MESSAGE_BYTES, stored cut (`syslog.truncated`), by transport (`tcp`, `udp`). */
  readonly syslogMessagesTruncated: Counter<"transport">
  /** Syslog TCP messages completed by their connection's close (no LF after the last one), stored. */
  readonly syslogMessagesEndedByClose: Counter
  /** Fluent forward connections closed without their events taken, by reason (`limit`, `source_limit`, `idle`, `too_large`, `malformed`, `unauthenticated`, `cut_short`). */
  readonly forwardConnectionsClosed: Counter<"reason">
  /** OTLP/gRPC connections refused at once, by reason (`limit`, `source_limit`). */
  readonly otlpGrpcConnectionsRefused: Counter<"reason">
  /** Records the pattern learner learned or skipped (`learned`, `service_cap`, `pending_full`, `dropped`). */
  readonly patternRecords: Counter<"result">
  readonly batchSize: Histogram
  /** Retention passes this process ran (with the retention lease, in scale-out). */
  readonly retentionRuns: Counter
  /** Logs retention deleted in this process. */
  readonly retentionDeleted: Counter
  /** 1 while this process is the one that runs retention. */
  readonly retentionLeader: Gauge
  readonly indexingDuration: Histogram
  /** Reads actor statistics and process figures at scrape time. */
  readonly collectFrom: (actors: ActorRegistry["Type"]) => void
}

export class Telemetry extends Context.Tag("Telemetry")<Telemetry, TelemetryInstruments>() {}
