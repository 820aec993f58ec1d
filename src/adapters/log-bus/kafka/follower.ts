import { Effect, Stream } from "effect"
import type { Kafka } from "kafkajs"
import type { LogRecord } from "../../../domain/log-record.ts"
import type { KafkaBusConfig } from "./config.ts"
import { decodeRecord } from "./records.ts"

/**
 * The records published to the topic while `wanted` says so, for live tail in processes that
 * do not index. A consumer group of its own per process: it sees every partition and never
 * commits, so it takes no partitions from the workers and leaves no offsets. It joins at start
 * (a group join takes seconds, too long to wait for when someone opens live tail) but stays
 * paused while `wanted` is false, so an api nobody tails fetches and decodes nothing. When
 * `wanted` turns true it skips to the first records the brokers time-stamped since then (less
 * `CLOCK_MARGIN_MS`, for the clocks of other publishers), or to the newest offsets.
 */
const CLOCK_MARGIN_MS = 1_000
/** How long a fetch waits for new records, and a paused follower sleeps: the delay before lines show once someone tails. */
const MAX_WAIT_MS = 200

export const followTopic =
  (kafka: Kafka, config: KafkaBusConfig) =>
  (wanted: Stream.Stream<boolean>): Stream.Stream<ReadonlyArray<LogRecord>> =>
    Stream.asyncScoped<ReadonlyArray<LogRecord>>(
      (emit) =>
        Effect.gen(function* () {
          const topics = [{ topic: config.topic }]
          // Batches fetched before a pause took effect are dropped, not decoded.
          let reading = false
          const { follower, admin } = yield* Effect.acquireRelease(
            Effect.promise(async () => {
              const admin = kafka.admin()
              await admin.connect()
              const follower = kafka.consumer({
                groupId: `${config.groupId}-follow-${crypto.randomUUID()}`,
                allowAutoTopicCreation: false,
                maxWaitTimeInMs: MAX_WAIT_MS
              })
              await follower.connect()
              await follower.subscribe({ topics: [config.topic], fromBeginning: false })
              await follower.run({
                autoCommit: false,
                eachBatch: async ({ batch }) => {
                  if (!reading) return
                  const records = batch.messages.map((m) => decodeRecord(m.value)).filter((r): r is LogRecord => typeof r !== "string")
                  if (records.length > 0) void emit.single(records)
                }
              })
              follower.pause(topics)
              return { follower, admin }
            }),
            ({ follower, admin }) => Effect.promise(() => Promise.allSettled([follower.disconnect(), admin.disconnect()]))
          )
          const start = Effect.promise(async () => {
            // From now on: what was published while nobody tailed is skipped, not read.
            const since = Date.now() - CLOCK_MARGIN_MS
            for (const { partition, offset } of await admin.fetchTopicOffsetsByTimestamp(config.topic, since)) {
              follower.seek({ topic: config.topic, partition, offset })
            }
            reading = true
            follower.resume(topics)
          })
          const stop = Effect.sync(() => {
            reading = false
            follower.pause(topics)
          })
          yield* wanted.pipe(
            Stream.changes,
            Stream.runForEach((on) => (on ? start : stop)),
            Effect.catchAllCause((cause) => Effect.logWarning("live-tail follower stopped following the topic", cause)),
            Effect.forkScoped
          )
        }),
      // Live tail may lose lines, never slow anything down: the oldest batches give way.
      { bufferSize: 64, strategy: "sliding" }
    )
