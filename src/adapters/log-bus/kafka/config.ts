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
  readonly security: KafkaSecurity
}

/** How LogFlow connects to the brokers: TLS (`false`: plain text) and SASL (none when absent). */
export interface KafkaSecurity {
  readonly ssl: false | { readonly caFile?: string; readonly certFile?: string; readonly keyFile?: string; readonly rejectUnauthorized: boolean }
  readonly sasl?: { readonly mechanism: "plain" | "scram-sha-256" | "scram-sha-512"; readonly username: string; readonly password: string }
}
