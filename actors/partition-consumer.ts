import { Effect } from "effect"
import type { Delivery, PartitionAssignment } from "../src/ports/log-bus.ts"
import { spawn, type Actor } from "./kit/actor.ts"

/**
 * Partition consumer: one per partition assigned to this process. Its mailbox is the
 * partition itself; it forwards each delivery to the batching indexer, in partition order.
 * When the indexer's mailbox is full the forward suspends, so the partition fills up and
 * publishers wait: backpressure from the store back to the HTTP client.
 */

export interface PartitionConsumerConfig {
  readonly assignment: PartitionAssignment
  /** Where deliveries go: the batching indexer. */
  readonly indexer: Actor<Delivery>
}

export const makePartitionConsumer = (config: PartitionConsumerConfig) =>
  spawn<Delivery, never>(
    { name: `partition-consumer-${config.assignment.partition}`, kind: "partition-consumer", capacity: 0, mailbox: config.assignment.queue },
    (mailbox, stats) => {
      const forward = (delivery: Delivery) => config.indexer.send(delivery).pipe(Effect.andThen(() => stats.handled++))
      return {
        run: mailbox.take.pipe(Effect.flatMap(forward), Effect.forever),
        // On shutdown, what the partition still holds goes to the indexer, which drains after us.
        drain: mailbox.takeAll.pipe(Effect.flatMap((rest) => Effect.forEach(rest, forward, { discard: true })))
      }
    }
  )
