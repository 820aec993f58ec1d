import { type Effect, Queue } from "effect"

/**
 * What a full mailbox does with a new message (Vector's `WhenFull`):
 * - `block`: the sender suspends until there is room (backpressure; the ingest path's choice);
 * - `dropNewest`: the new message is discarded;
 * - `dropOldest`: the oldest queued message is discarded to make room.
 * Drops are counted in the actor's `dropped` statistic.
 */
export type WhenFull = "block" | "dropNewest" | "dropOldest"

export const makeMailbox = <M>(capacity: number, whenFull: WhenFull): Effect.Effect<Queue.Queue<M>> => {
  switch (whenFull) {
    case "block":
      return Queue.bounded<M>(capacity)
    case "dropNewest":
      return Queue.dropping<M>(capacity)
    case "dropOldest":
      return Queue.sliding<M>(capacity)
  }
}
