import { z } from "zod"
import { hostPortList, int, settingsSection, topicName } from "../../../settings.ts"

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
  KAFKA_SESSION_TIMEOUT_MS: int(6_000, 300_000).default(30_000).describe("A worker silent this long loses its partitions to the others (broker minimum: 6 s).")
})
