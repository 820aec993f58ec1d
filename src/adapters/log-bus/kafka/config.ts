import type { Duration } from "effect"

/** What the Kafka bus is told by the configuration (KAFKA_* settings). */
export interface KafkaBusConfig {
  readonly brokers: ReadonlyArray<string>
  readonly clientId: string
  readonly topic: string
  readonly deadLetterTopic: string
  /** Partitions and replication of the topics when LogFlow creates them. */
  readonly partitions: number
  readonly replicationFactor: number
  readonly groupId: string
  /** Kafka batches a partition buffers before it is paused. */
  readonly partitionBuffer: number
  readonly commitInterval: Duration.DurationInput
  /** How long a publish may wait for acks=all before answering 503. */
  readonly publishTimeout: Duration.DurationInput
  readonly sessionTimeout: Duration.DurationInput
}
