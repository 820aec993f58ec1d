import { Deferred, Effect, Queue } from "effect"
import type { Delivery, PartitionAssignment } from "../../../ports/log-bus.ts"
import { PartitionOffsets } from "./offsets.ts"

/** A partition the group gave this member: handed to the pipeline as a PartitionAssignment. */
export interface OwnedPartition {
  readonly assignment: PartitionAssignment
  readonly queue: Queue.Queue<Delivery>
  readonly revoke: () => void
  readonly offsets: PartitionOffsets
  highWatermark: bigint
}

/**
 * The partitions this member owns. On each group join, partitions taken away are revoked (their
 * consumer actor stops) and new ones are offered to `out` with a queue of `partitionBuffer`
 * deliveries.
 */
export const makeOwnedPartitions = (out: Queue.Queue<PartitionAssignment>, partitionBuffer: number) => {
  const owned = new Map<number, OwnedPartition>()
  const assign = (partitions: ReadonlyArray<number>) => {
    const now = new Set(partitions)
    for (const [p, o] of owned) {
      if (!now.has(p)) {
        owned.delete(p)
        o.revoke()
      }
    }
    for (const p of partitions) {
      if (owned.has(p)) continue
      const queue = Effect.runSync(Queue.bounded<Delivery>(partitionBuffer))
      const revoked = Effect.runSync(Deferred.make<void>())
      const assignment: PartitionAssignment = { partition: p, queue, revoked: Deferred.await(revoked) }
      owned.set(p, {
        assignment,
        queue,
        revoke: () => Effect.runSync(Deferred.succeed(revoked, undefined)),
        offsets: new PartitionOffsets(),
        highWatermark: 0n
      })
      Queue.unsafeOffer(out, assignment)
    }
  }
  return { owned, assign }
}
