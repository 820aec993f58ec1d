import { Effect, Stream } from "effect"
import type { Kafka } from "kafkajs"
import type { LogRecord } from "../../../domain/log-record.ts"
import type { KafkaBusConfig } from "./config.ts"
import { decodeRecord } from "./records.ts"

/**
 * Every record published to the topic from now on, for live tail in processes that do not
 * index. A consumer group of its own per process: it sees every partition from the newest
 * offset and never commits, so it takes no partitions from the workers and leaves no offsets.
 */
export const followTopic = (kafka: Kafka, config: KafkaBusConfig): Stream.Stream<ReadonlyArray<LogRecord>> =>
  Stream.asyncScoped<ReadonlyArray<LogRecord>>(
    (emit) =>
      Effect.acquireRelease(
        Effect.promise(async () => {
          const follower = kafka.consumer({ groupId: `${config.groupId}-follow-${crypto.randomUUID()}`, allowAutoTopicCreation: false })
          await follower.connect()
          await follower.subscribe({ topics: [config.topic], fromBeginning: false })
          await follower.run({
            autoCommit: false,
            eachBatch: async ({ batch }) => {
              const records = batch.messages.map((m) => decodeRecord(m.value)).filter((r): r is LogRecord => typeof r !== "string")
              if (records.length > 0) void emit.single(records)
            }
          })
          return follower
        }),
        (follower) => Effect.promise(() => follower.disconnect())
      ),
    // Live tail may lose lines, never slow anything down: the oldest batches give way.
    { bufferSize: 64, strategy: "sliding" }
  )
