import { Layer } from "effect"
import { Counter, Gauge, Histogram, Registry } from "prom-client"
import type { ActorRegistry } from "../ports/actor-registry.ts"
import { Telemetry, type TelemetryInstruments } from "../ports/telemetry.ts"

/** The Telemetry port on prom-client: every metric in one registry, served by GET /metrics. */

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

export const makeTelemetry = (storeEngine: string): TelemetryInstruments => {
  const registry = new Registry()
  const registers = [registry]
  const startTime = Math.floor(Date.now() / 1000)
  return {
    registry,
    httpRequests: new Counter({ name: "http_requests_total", help: "HTTP requests", labelNames: ["method", "endpoint", "status"] as const, registers }),
    httpDuration: new Histogram({
      name: "http_request_duration_seconds",
      help: "HTTP request latency",
      labelNames: ["method", "endpoint"] as const,
      buckets: LATENCY_BUCKETS,
      registers
    }),
    logsProcessed: new Counter({ name: "logs_processed_total", help: "Log records accepted by ingest", registers }),
    logsIndexed: new Counter({ name: "logs_indexed_total", help: "Log records committed to the store", labelNames: ["service", "level"] as const, registers }),
    ingestRecords: new Counter({
      name: "ingest_records_total",
      help: "Ingested records by protocol and outcome",
      labelNames: ["protocol", "result"] as const,
      registers
    }),
    storeQueries: new Counter({
      name: `${storeEngine}_queries_total`,
      help: `Queries to the log store (${storeEngine})`,
      labelNames: ["operation"] as const,
      registers
    }),
    storeQueryDuration: new Histogram({
      name: `${storeEngine}_query_duration_seconds`,
      help: `Log store (${storeEngine}) query latency`,
      labelNames: ["operation"] as const,
      buckets: LATENCY_BUCKETS,
      registers
    }),
    cacheHits: new Counter({ name: "cache_hits_total", help: "Response cache hits", labelNames: ["cache_key_prefix"] as const, registers }),
    cacheMisses: new Counter({ name: "cache_misses_total", help: "Response cache misses", labelNames: ["cache_key_prefix"] as const, registers }),
    databaseQueries: new Counter({ name: "database_queries_total", help: "Queries to the account database", labelNames: ["operation"] as const, registers }),
    databaseConnections: new Gauge({ name: "database_connections", help: "Account database connections in use", registers }),
    authAttempts: new Counter({ name: "auth_attempts_total", help: "Login and token checks by outcome", labelNames: ["result"] as const, registers }),
    usersRegistered: new Counter({ name: "users_registered_total", help: "Users registered", registers }),
    // The alert metrics, plus notification outcomes per channel.
    alertsTriggered: new Counter({ name: "alerts_triggered_total", help: "Alerts that started firing", labelNames: ["rule_name"] as const, registers }),
    alertsChecked: new Counter({ name: "alerts_checked_total", help: "Alert rule evaluations", registers }),
    alertEvaluations: new Counter({
      name: "alert_evaluations_total",
      help: "Alert rule evaluations by result: ok, budget_exceeded (the rule is marked error), failed",
      labelNames: ["result"] as const,
      registers
    }),
    alertNotifications: new Counter({
      name: "alert_notifications_total",
      help: "Alert notification delivery attempts by outcome",
      labelNames: ["channel", "outcome"] as const,
      registers
    }),
    syslogConnectionsClosed: new Counter({
      name: "syslog_connections_closed_total",
      help: "Syslog TCP connections closed by LogFlow, by reason",
      labelNames: ["reason"] as const,
      registers
    }),
    syslogMessagesTruncated: new Counter({
      name: "syslog_messages_truncated_total",
      help: "Syslog messages longer than SYSLOG_MAX_MESSAGE_BYTES, stored cut and flagged syslog.truncated, by transport",
      labelNames: ["transport"] as const,
      registers
    }),
    syslogMessagesEndedByClose: new Counter({
      name: "syslog_messages_ended_by_close_total",
      help: "Syslog TCP messages completed by their connection's close (no LF after the last one), stored",
      registers
    }),
    forwardConnectionsClosed: new Counter({
      name: "forward_connections_closed_total",
      help: "Fluent forward connections closed before their events were taken, by reason",
      labelNames: ["reason"] as const,
      registers
    }),
    otlpGrpcConnectionsRefused: new Counter({
      name: "otlp_grpc_connections_refused_total",
      help: "OTLP/gRPC connections refused at once, over OTLP_GRPC_MAX_CONNECTIONS or OTLP_GRPC_MAX_PER_SOURCE, by reason",
      labelNames: ["reason"] as const,
      registers
    }),
    patternRecords: new Counter({
      name: "logflow_pattern_records_total",
      help: "Committed records the pattern learner saw: by result: learned, service_cap, pending_full, dropped (learner busy)",
      labelNames: ["result"],
      registers
    }),
    rateLimitExceeded: new Counter({
      name: "rate_limit_exceeded_total",
      help: "Requests refused by a rate limit",
      labelNames: ["endpoint"] as const,
      registers
    }),
    batchSize: new Histogram({
      name: "logflow_indexer_batch_size",
      help: "Records per batch written by the indexer",
      buckets: [1, 10, 100, 500, 1000, 2000, 4000, 8000, 16000],
      registers
    }),
    indexingDuration: new Histogram({
      name: "logflow_indexing_duration_seconds",
      help: "Time to write one batch to the store",
      buckets: LATENCY_BUCKETS,
      registers
    }),
    retentionRuns: new Counter({ name: "retention_runs_total", help: "Retention passes this process ran", registers }),
    retentionDeleted: new Counter({ name: "retention_deleted_total", help: "Logs deleted by retention in this process", registers }),
    retentionLeader: new Gauge({ name: "retention_leader", help: "1 while this process is the one that runs retention", registers }),
    /** Reads actor statistics and process figures at scrape time. */
    collectFrom: (actors: ActorRegistry["Type"]) => {
      registerActorGauges(registers, actors)
      registerProcessGauges(registers, startTime)
    }
  }
}

type Registers = ReadonlyArray<Registry>

/** Each actor's mailbox and counters, labelled by actor and kind. */
const registerActorGauges = (registers: Registers, actors: ActorRegistry["Type"]) => {
  const pulled = (name: string, help: string, read: (a: ReturnType<ActorRegistry["Type"]["all"]>[number]) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ["actor", "kind"] as const,
      registers: [...registers],
      collect() {
        this.reset()
        for (const a of actors.all()) this.set({ actor: a.name, kind: a.kind }, read(a))
      }
    })
  pulled("logflow_actor_mailbox_depth", "Messages waiting in an actor's mailbox", (a) => a.depth())
  pulled("logflow_actor_mailbox_capacity", "Capacity of an actor's mailbox", (a) => a.capacity)
  pulled("logflow_actor_messages_handled", "Messages an actor has handled since start", (a) => a.handled)
  pulled("logflow_actor_failures", "Defects an actor has had since start", (a) => a.failures)
  pulled("logflow_actor_restarts", "Times an actor was restarted since start", (a) => a.restarts)
  pulled("logflow_actor_dropped", "Messages an actor's mailbox dropped since start", (a) => a.dropped)
}

/** The standard process figures Prometheus users expect. */
const registerProcessGauges = (registers: Registers, startTime: number) => {
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [...registers],
      collect() {
        this.set(read())
      }
    })
  gauge("process_resident_memory_bytes", "Resident memory size in bytes", () => process.memoryUsage().rss)
  gauge("process_heap_used_bytes", "JavaScript heap in use, in bytes", () => process.memoryUsage().heapUsed)
  gauge("process_start_time_seconds", "Start time of the process since the epoch, in seconds", () => startTime)
  new Counter({
    name: "process_cpu_seconds_total",
    help: "User and system CPU time spent, in seconds",
    registers: [...registers],
    collect() {
      const usage = process.cpuUsage()
      this.reset()
      this.inc((usage.user + usage.system) / 1e6)
    }
  })
}

export const TelemetryLive = (storeEngine: string) => Layer.sync(Telemetry, () => makeTelemetry(storeEngine))

/** `metrics:service:payment-service` → `metrics:service`: a bounded label for a cache key. */
export const cacheKeyPrefix = (key: string) => key.split(":").slice(0, 2).join(":")
