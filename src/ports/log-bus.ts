import { Context, type Effect, type Queue, type Stream } from "effect"
import type { IngestError } from "../domain/errors.ts"
import type { LogRecord } from "../domain/log-record.ts"
import type { ComponentHealth } from "./log-store.ts"

/**
 * A batch of records taken from one partition, with the handle that settles it. `ack` runs
 * only after the records are committed to the store: the memory bus then answers the waiting
 * publisher, Kafka commits the offsets. `reject` tells the publisher the records were not stored.
 */
export interface Delivery {
  readonly records: ReadonlyArray<LogRecord>
  readonly ack: Effect.Effect<void>
  readonly reject: (error: IngestError) => Effect.Effect<void>
}

/** A partition given to this process; its consumer actor reads `queue` until `revoked` completes. */
export interface PartitionAssignment {
  readonly partition: number
  readonly queue: Queue.Queue<Delivery>
  readonly revoked: Effect.Effect<void>
}

/** The partitioned queue between ingest and indexing. Partition = hash(service) mod P. */
export class LogBus extends Context.Tag("LogBus")<
  LogBus,
  {
    /**
     * Publishes records. Completes when the bus guarantees them: for the memory bus, when the
     * store has committed them; for Kafka, after acks=all. Fails with PipelineSaturated when the
     * partitions do not make room within the bounded wait.
     */
    readonly publish: (records: ReadonlyArray<LogRecord>) => Effect.Effect<void, IngestError>
    /** Partitions assigned to this process, as they are assigned. */
    readonly assignments: Stream.Stream<PartitionAssignment>
    /**
     * The records published by any process while `wanted`'s latest value is true (from the
     * moment it turns true), without taking part in indexing: what feeds live tail in processes
     * that do not index (the api role), which reads nothing while nobody tails. Empty on the
     * memory bus, where the process that publishes also indexes.
     */
    readonly follow: (wanted: Stream.Stream<boolean>) => Stream.Stream<ReadonlyArray<LogRecord>>
    readonly partitionCount: number
    /** Whether the bus can take records (Kafka: the brokers answer); `details.engine` names it. */
    readonly health: Effect.Effect<ComponentHealth>
  }
>() {}

/** The in-process bus's partition of a service (FNV-1a: stable across restarts). Kafka partitions by the record key, the service, with its own hash. */
export const partitionOf = (service: string, partitions: number): number => {
  let hash = 0x811c9dc5
  for (let i = 0; i < service.length; i++) {
    hash ^= service.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return (hash >>> 0) % partitions
}
