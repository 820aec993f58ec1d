import { availableParallelism } from "node:os"
import { Duration, Effect, Layer, Logger, LogLevel } from "effect"
import { Accounts, AccountsLive } from "./accounts/accounts.ts"
import { ApiKeysLive } from "./accounts/api-keys.ts"
import { UsersLive } from "./accounts/users.ts"
import { MetaDatabaseLive } from "./adapters/meta-store/sql-database.ts"
import { sharedStateLayer } from "./adapters/shared-state.ts"
import { instrumentStore } from "./telemetry/instrumented-store.ts"
import { Telemetry } from "./ports/telemetry.ts"
import { TelemetryLive } from "./telemetry/prometheus.ts"
import { tracingLayer } from "./telemetry/tracing.ts"
import { RetentionRunnerLive } from "../actors/retention.ts"
import { AlertEngine } from "./ports/alert-engine.ts"
import { AlertEngineLive } from "../actors/alert-engine.ts"
import { IngestBuffersLive } from "../actors/ingest-buffer.ts"
import { NotifiersLive } from "../actors/notifier.ts"
import { NotificationSendersLive } from "./alerting/channels.ts"
import { RuleEvaluationLive } from "./alerting/evaluate.ts"
import { LeaderLeaseLive } from "./adapters/meta-store/leader-lease.ts"
import { NotificationLogLive } from "./alerting/notification-log.ts"
import { AlertRulesLive } from "./alerting/rules.ts"
import { TriggeredAlertsLive } from "./alerting/triggered.ts"
import { RetentionLive } from "./retention/settings-repository.ts"
import { PatternStoreLive } from "./adapters/meta-store/pattern-store.ts"
import { RetentionRunsLive } from "./retention/runs-repository.ts"
import { ActorRegistry } from "./ports/actor-registry.ts"
import { PipelineLive } from "../pipelines/build.ts"
import { TOPOLOGIES, type Role } from "../pipelines/topology.ts"
import { MemoryBusLive } from "./adapters/log-bus/memory.ts"
import { SqliteStoreLive } from "./adapters/log-store/sqlite/store.ts"
import { ElasticsearchStoreLive } from "./adapters/log-store/document/elasticsearch.ts"
import { OpenSearchStoreLive } from "./adapters/log-store/document/opensearch.ts"
import type { DocumentSecurity } from "./adapters/log-store/document/security.ts"
import { KafkaBusLive } from "./adapters/log-bus/kafka/bus.ts"
import type { KafkaSecurity } from "./adapters/log-bus/kafka/config.ts"
import { HttpServerLive } from "./api/server.ts"
import { SyslogListenersLive } from "./ingest/syslog/listener.ts"
import { OtlpGrpcListenerLive } from "./ingest/otlp-grpc/listener.ts"
import { ForwardListenerLive } from "./ingest/forward/listener.ts"
import type { Config } from "./config.ts"
import { SERVER_ROLES } from "../pipelines/roles.ts"

/**
 * Picks one adapter per port from the configuration and stacks the layers so that shutdown
 * runs in the right order: HTTP server first, then the pipeline drains, then bus and store.
 */

const LOG_LEVELS = { debug: LogLevel.Debug, info: LogLevel.Info, warning: LogLevel.Warning, error: LogLevel.Error } as const

export const loggingLayer = (config: Config) => Layer.mergeAll(Logger.json, Logger.minimumLogLevel(LOG_LEVELS[config.LOG_LEVEL]))

/** Credentials and certificates of Elasticsearch or OpenSearch, from their `<PREFIX>_*` settings. */
const documentSecurity = (config: Config, settings: "ELASTICSEARCH" | "OPENSEARCH"): DocumentSecurity => {
  const optional = {
    apiKey: settings === "ELASTICSEARCH" ? config.ELASTICSEARCH_API_KEY : undefined,
    username: config[`${settings}_USERNAME`],
    password: config[`${settings}_PASSWORD`],
    caFile: config[`${settings}_CA_FILE`],
    caFingerprint: config[`${settings}_CA_FINGERPRINT`],
    certFile: config[`${settings}_CERT_FILE`],
    keyFile: config[`${settings}_KEY_FILE`]
  }
  const given = Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined))
  return { settings, rejectUnauthorized: config[`${settings}_TLS_REJECT_UNAUTHORIZED`], ...given }
}

/** The index settings of the document store, shared by Elasticsearch and OpenSearch. */
const documentStoreConfig = (config: Config, settings: "ELASTICSEARCH" | "OPENSEARCH", hosts: string) => ({
  hosts: hosts.split(","),
  security: documentSecurity(config, settings),
  index: config.ELASTICSEARCH_INDEX,
  shards: config.ELASTICSEARCH_SHARDS,
  replicas: config.ELASTICSEARCH_REPLICAS,
  refresh: config.ELASTICSEARCH_REFRESH,
  countCap: config.SEARCH_COUNT_CAP,
  timeoutMs: config.SEARCH_TIMEOUT_MS,
  fieldLimit: config.ELASTICSEARCH_FIELD_LIMIT,
  requestTimeout: Duration.millis(config.ELASTICSEARCH_TIMEOUT_MS),
  codec: config.ELASTICSEARCH_INDEX_CODEC
})

/** Elasticsearch when ELASTICSEARCH_HOSTS is set, OpenSearch when OPENSEARCH_HOSTS is, else SQLite in DATA_DIR. */
const storeLayer = (config: Config) =>
  config.ELASTICSEARCH_HOSTS
    ? ElasticsearchStoreLive(documentStoreConfig(config, "ELASTICSEARCH", config.ELASTICSEARCH_HOSTS))
    : config.OPENSEARCH_HOSTS
      ? OpenSearchStoreLive(documentStoreConfig(config, "OPENSEARCH", config.OPENSEARCH_HOSTS))
      : SqliteStoreLive({
          path: config.storePath,
          synchronous: config.SQLITE_SYNCHRONOUS,
          countCap: config.SEARCH_COUNT_CAP,
          countBudgetMs: config.SEARCH_COUNT_BUDGET_MS,
          attributeKeysPerBlock: config.ATTRIBUTE_KEYS_PER_BLOCK,
          searchTextCacheBytes: config.SEARCH_TEXT_CACHE_MB * 1024 * 1024,
          timeoutMs: config.SEARCH_TIMEOUT_MS,
          // Reads off the thread that serves the API and ingest: one reader per core but one.
          readers: { threads: config.SEARCH_READERS ?? Math.max(1, availableParallelism() - 1), queue: config.SEARCH_READER_QUEUE }
        })

/** TLS and SASL to the brokers, from the KAFKA_SSL_* and KAFKA_SASL_* settings. */
const kafkaSecurity = (config: Config): KafkaSecurity => {
  const ssl = config.kafkaSsl && {
    rejectUnauthorized: config.KAFKA_SSL_REJECT_UNAUTHORIZED,
    ...(config.KAFKA_SSL_CA_FILE ? { caFile: config.KAFKA_SSL_CA_FILE } : {}),
    ...(config.KAFKA_SSL_CERT_FILE ? { certFile: config.KAFKA_SSL_CERT_FILE } : {}),
    ...(config.KAFKA_SSL_KEY_FILE ? { keyFile: config.KAFKA_SSL_KEY_FILE } : {})
  }
  const { KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: username, KAFKA_SASL_PASSWORD: password } = config
  // loadConfig has checked that a mechanism comes with both.
  return { ssl, ...(mechanism && username && password ? { sasl: { mechanism, username, password } } : {}) }
}

/** Kafka when KAFKA_BOOTSTRAP_SERVERS is set, else the in-process partitioned queues. */
const busLayer = (config: Config) =>
  config.KAFKA_BOOTSTRAP_SERVERS
    ? KafkaBusLive({
        brokers: config.KAFKA_BOOTSTRAP_SERVERS.split(","),
        clientId: config.KAFKA_CLIENT_ID,
        topic: config.KAFKA_TOPIC,
        deadLetterTopic: config.KAFKA_DLQ_TOPIC,
        partitions: config.KAFKA_PARTITIONS,
        replicationFactor: config.KAFKA_REPLICATION_FACTOR,
        groupId: config.KAFKA_GROUP_ID,
        partitionBuffer: config.KAFKA_PARTITION_BUFFER,
        commitInterval: Duration.millis(config.KAFKA_COMMIT_INTERVAL_MS),
        publishTimeout: Duration.millis(config.INGEST_COMMIT_TIMEOUT_MS),
        sessionTimeout: Duration.millis(config.KAFKA_SESSION_TIMEOUT_MS),
        security: kafkaSecurity(config)
      })
    : MemoryBusLive({
        partitions: config.BUS_PARTITIONS,
        partitionCapacity: config.BUS_PARTITION_CAPACITY,
        enqueueTimeout: Duration.millis(config.INGEST_ENQUEUE_TIMEOUT_MS),
        commitTimeout: Duration.millis(config.INGEST_COMMIT_TIMEOUT_MS)
      })

export const infrastructureLayer = (config: Config) =>
  Layer.mergeAll(Layer.effect(ActorRegistry, ActorRegistry.make), instrumentStore(storeLayer(config)), busLayer(config))

/** The metadata store with its repositories and account rules; creates the first admin. */
export const accountsLayer = (config: Config) => {
  const database = Layer.unwrapEffect(
    Effect.map(Telemetry, (t) =>
      MetaDatabaseLive(config.metaDatabaseUrl, {
        started: (operation) => {
          t.databaseQueries.inc({ operation })
          t.databaseConnections.inc()
        },
        finished: () => t.databaseConnections.dec()
      })
    )
  )
  const repositories = Layer.mergeAll(UsersLive, ApiKeysLive, RetentionLive(config), PatternStoreLive, RetentionRunsLive).pipe(Layer.provideMerge(database))
  const accounts = AccountsLive(config).pipe(Layer.provideMerge(repositories))
  return Layer.effectDiscard(Effect.flatMap(Accounts, (a) => a.ensureAdmin)).pipe(Layer.provideMerge(accounts))
}

/** Alert rules and their history; the engine (with its notifiers) where this process evaluates them. */
export const alertingLayer = (config: Config, evaluates: boolean) => {
  const repositories = Layer.mergeAll(AlertRulesLive, TriggeredAlertsLive, NotificationLogLive, LeaderLeaseLive)
  const engine =
    evaluates && config.ALERTING_ENABLED
      ? AlertEngineLive({ syncInterval: Duration.millis(config.ALERT_SYNC_INTERVAL_MS), leaseMs: config.ALERT_LEADER_LEASE_MS }).pipe(
          Layer.provide(RuleEvaluationLive({ flapThreshold: config.ALERT_FLAP_THRESHOLD })),
          Layer.provide(NotifiersLive(config)),
          Layer.provide(NotificationSendersLive(config))
        )
      : AlertEngine.Remote
  return engine.pipe(Layer.provideMerge(repositories))
}

/**
 * Retention in every role. A store other processes may share (Elasticsearch, OpenSearch) is
 * expired by the holder of the retention lease only; the SQLite store belongs to this process.
 */
const retentionLayer = (config: Config) =>
  RetentionRunnerLive({
    interval: Duration.millis(config.RETENTION_INTERVAL_MS),
    batchSize: config.RETENTION_BATCH_SIZE,
    ...(config.ELASTICSEARCH_HOSTS || config.OPENSEARCH_HOSTS ? { lease: { ttlMs: config.RETENTION_LEASE_MS } } : {})
  })

/** Prometheus reads actor statistics at scrape time. */
const actorMetrics = Layer.effectDiscard(
  Effect.gen(function* () {
    const telemetry = yield* Telemetry
    telemetry.collectFrom(yield* ActorRegistry)
  })
)

export const roleLayer = (role: Role, config: Config) =>
  // Listeners (HTTP, gRPC, forward, syslog) are released first on shutdown, so the pipeline drains what they took.
  Layer.mergeAll(
    HttpServerLive(config),
    SERVER_ROLES[role].servesOtlpGrpc ? OtlpGrpcListenerLive(config) : Layer.empty,
    ForwardListenerLive(config),
    SyslogListenersLive(config).pipe(Layer.provide(IngestBuffersLive))
  ).pipe(
    Layer.provideMerge(retentionLayer(config)),
    Layer.provideMerge(alertingLayer(config, SERVER_ROLES[role].evaluatesAlerts)),
    Layer.provideMerge(PipelineLive(TOPOLOGIES[role], config)),
    Layer.provideMerge(actorMetrics),
    Layer.provideMerge(Layer.mergeAll(infrastructureLayer(config), accountsLayer(config), sharedStateLayer(config))),
    Layer.provideMerge(TelemetryLive(config.ELASTICSEARCH_HOSTS ? "elasticsearch" : config.OPENSEARCH_HOSTS ? "opensearch" : "sqlite")),
    Layer.provideMerge(tracingLayer(config)),
    Layer.provide(loggingLayer(config))
  )
