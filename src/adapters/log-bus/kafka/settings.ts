import { z } from "zod"
import { bool, hostPortList, int, pemFile, secretFile, settingsSection, topicName } from "../../../settings.ts"

export const kafkaSettings = settingsSection("Kafka", "Kafka as the bus between ingest and the indexers (scale-out).", {
  KAFKA_BOOTSTRAP_SERVERS: hostPortList.optional().describe("Kafka for the bus between ingest and indexing (scale-out); in-process queues when unset."),
  KAFKA_TOPIC: topicName.default("logs").describe("Topic of log records."),
  KAFKA_DLQ_TOPIC: topicName.default("logs.dlq").describe("Where messages that are not log records go, with the reason in a header."),
  KAFKA_PARTITIONS: int(1, 10_000).default(6).describe("Partitions of the topics when LogFlow creates them (existing topics are kept)."),
  KAFKA_REPLICATION_FACTOR: int(1, 16).default(1).describe("Replication of the topics when LogFlow creates them."),
  KAFKA_GROUP_ID: z.string().min(1).max(255).default("logflow-indexers").describe("Consumer group of the workers (indexers)."),
  KAFKA_CLIENT_ID: z.string().min(1).max(255).default("logflow").describe("Client id LogFlow gives the brokers."),
  KAFKA_PARTITION_BUFFER: int(1, 1_000).default(4).describe("Kafka batches a partition buffers for the pipeline before it is paused."),
  KAFKA_COMMIT_INTERVAL_MS: int(100, 60_000).default(1_000).describe("How often stored offsets are committed (and once more on shutdown)."),
  KAFKA_SESSION_TIMEOUT_MS: int(6_000, 300_000).default(30_000).describe("A worker silent this long loses its partitions to the others (broker minimum: 6 s)."),
  KAFKA_SSL: bool.default(false).describe("Connect to the brokers over TLS (listeners `SSL` or `SASL_SSL`)."),
  KAFKA_SSL_CA_FILE: pemFile("CA certificates (PEM file) that signed the brokers' certificates, when not a public CA; implies KAFKA_SSL."),
  KAFKA_SSL_CERT_FILE: pemFile("Client certificate (PEM file) for mutual TLS; set with KAFKA_SSL_KEY_FILE; implies KAFKA_SSL."),
  KAFKA_SSL_KEY_FILE: pemFile("Private key (PEM file) of KAFKA_SSL_CERT_FILE."),
  KAFKA_SSL_REJECT_UNAUTHORIZED: bool
    .default(true)
    .describe(
      "Refuse brokers whose certificate is not trusted or names another host; `false` only for tests (production refuses it without ALLOW_INSECURE_ENGINES)."
    ),
  KAFKA_SASL_MECHANISM: z
    .enum(["plain", "scram-sha-256", "scram-sha-512"])
    .optional()
    .describe("SASL authentication to the brokers (listeners `SASL_SSL` or `SASL_PLAINTEXT`), with KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD."),
  KAFKA_SASL_USERNAME: z.string().min(1).optional().describe("SASL user name."),
  KAFKA_SASL_USERNAME_FILE: secretFile("KAFKA_SASL_USERNAME"),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional().describe("SASL password (never logged)."),
  KAFKA_SASL_PASSWORD_FILE: secretFile("KAFKA_SASL_PASSWORD")
})
