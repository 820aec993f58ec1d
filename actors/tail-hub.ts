import { Effect, Queue, type Stream, SubscriptionRef } from "effect"
import { approximateBytes, type LogRecord } from "../src/domain/log-record.ts"
import type { LiveTail, TailSubscription } from "../src/ports/pipeline.ts"
import { spawn, type Actor } from "./kit/actor.ts"

/**
 * Tail hub: receives every committed batch and hands each live-tail subscriber the records it
 * asked for. Its own mailbox drops the oldest batch when full and each subscriber has a bounded
 * buffer, in records and in bytes, that drops new records when full, counting them, so a slow
 * subscriber (or a slow hub) never slows ingest nor holds the server's memory; the subscriber
 * is told how many lines it missed.
 */

export interface TailHubConfig {
  /** Committed batches the hub holds before dropping the oldest. */
  readonly capacity: number
  /** Records each subscriber may have waiting before new ones are dropped (and counted). */
  readonly subscriberBuffer: number
  /** Bytes (about) of records each subscriber may have waiting before new ones are dropped. */
  readonly subscriberBufferBytes: number
}

interface Subscriber {
  readonly matches: (record: LogRecord) => boolean
  readonly buffer: Queue.Queue<LogRecord>
  /** What the records waiting in `buffer` hold, by approximateBytes. */
  bytes: number
  missed: number
}

/** The LiveTail port, and the actor the pipeline feeds committed batches to. */
export interface TailHub extends LiveTail {
  readonly actor: Actor<ReadonlyArray<LogRecord>>
  /** Whether anyone tails, now and at every change: what a follower reads the bus by. */
  readonly watched: Stream.Stream<boolean>
}

export const makeTailHub = (config: TailHubConfig) =>
  Effect.gen(function* () {
    const subscribers = new Set<Subscriber>()
    const watched = yield* SubscriptionRef.make(false)
    const publish = (records: ReadonlyArray<LogRecord>) =>
      Effect.sync(() => {
        for (const subscriber of subscribers) {
          for (const record of records) {
            if (!subscriber.matches(record)) continue
            const size = approximateBytes(record)
            if (subscriber.bytes + size > config.subscriberBufferBytes || !subscriber.buffer.unsafeOffer(record)) subscriber.missed++
            else subscriber.bytes += size
          }
        }
      })

    const actor = yield* spawn<ReadonlyArray<LogRecord>, never>(
      { name: "tail-hub", kind: "tail-hub", capacity: config.capacity, whenFull: "dropOldest" },
      (mailbox, stats) => ({
        run: Queue.take(mailbox).pipe(
          Effect.flatMap(publish),
          Effect.andThen(() => stats.handled++),
          Effect.forever
        )
      })
    )

    const subscribe = (matches: (record: LogRecord) => boolean) =>
      Effect.acquireRelease(
        Effect.gen(function* () {
          const subscriber: Subscriber = { matches, buffer: yield* Queue.dropping<LogRecord>(config.subscriberBuffer), bytes: 0, missed: 0 }
          subscribers.add(subscriber)
          yield* SubscriptionRef.set(watched, true)
          return subscriber
        }),
        (subscriber) =>
          Effect.sync(() => subscribers.delete(subscriber)).pipe(
            Effect.andThen(() => SubscriptionRef.set(watched, subscribers.size > 0)),
            Effect.andThen(Queue.shutdown(subscriber.buffer))
          )
      ).pipe(
        Effect.map(
          (subscriber): TailSubscription => ({
            next: Effect.gen(function* () {
              const first = yield* Queue.take(subscriber.buffer)
              const rest = yield* Queue.takeAll(subscriber.buffer)
              subscriber.bytes = 0
              const missed = subscriber.missed
              subscriber.missed = 0
              return { records: [first, ...rest], missed }
            })
          })
        )
      )

    return { actor, subscribe, subscriberCount: () => subscribers.size, watched: watched.changes } satisfies TailHub
  })
