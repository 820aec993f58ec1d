import { Duration, Effect, Layer, Scope, Stream } from "effect"
import { Partitioners, type Producer } from "kafkajs"
import { PipelineSaturated, type IngestError } from "../../../domain/errors.ts"
import type { LogRecord } from "../../../domain/log-record.ts"
import { LogBus } from "../../../ports/log-bus.ts"
import { followTopic } from "./follower.ts"
import { joinConsumerGroup } from "./group-member.ts"
import { brokerHealth, ensureTopics, topicPartitionCount } from "./admin.ts"
import type { KafkaBusConfig } from "./config.ts"
import { checkBrokers, kafkaClient } from "./connection.ts"
import { encodeRecord } from "./records.ts"

/**
 * The LogBus on Kafka (kafkajs). Publishing sends to topic `logs` keyed by service (so one
 * service's records stay in order on one partition) with acks=all on an idempotent producer,
 * and completes once the brokers have them. Consuming (worker roles) joins the consumer group
 * (group-member.ts); live tail in processes that do not index follows the topic
 * (follower.ts). The topics are created when missing.
 */

const retryAfterSeconds = 5

export const makeKafkaBus = (config: KafkaBusConfig) =>
  Effect.gen(function* () {
    const busScope = yield* Effect.scope
    // A refusal (credentials, certificate) stops the start here, with the setting to change.
    yield* checkBrokers(config).pipe(Effect.orDieWith((e) => new Error(e.message)))
    const kafka = kafkaClient(config)

    yield* ensureTopics(kafka, config)

    const producer: Producer = yield* Effect.acquireRelease(
      Effect.promise(async () => {
        const p = kafka.producer({ idempotent: true, maxInFlightRequests: 5, createPartitioner: Partitioners.DefaultPartitioner })
        await p.connect()
        return p
      }),
      (p) => Effect.promise(() => p.disconnect())
    )

    const publish = (records: ReadonlyArray<LogRecord>): Effect.Effect<void, IngestError> =>
      records.length === 0
        ? Effect.void
        : Effect.tryPromise({
            try: () =>
              producer.send({
                topic: config.topic,
                acks: -1,
                timeout: Duration.toMillis(config.publishTimeout),
                messages: records.map((r) => ({ key: r.service, value: encodeRecord(r) }))
              }),
            catch: () => new PipelineSaturated({ retryAfterSeconds })
          }).pipe(
            Effect.timeoutFail({ duration: config.publishTimeout, onTimeout: () => new PipelineSaturated({ retryAfterSeconds }) }),
            Effect.tapError((e) => Effect.logWarning("publish to Kafka failed", e)),
            Effect.asVoid,
            Effect.withSpan("KafkaBus.publish", { attributes: { "logflow.records": records.length } })
          )

    const partitionCount = yield* topicPartitionCount(kafka, config)
    const health = yield* brokerHealth(kafka, config)

    return LogBus.of({
      publish,
      partitionCount,
      health,
      // The member lives in the bus's scope, so its last commit runs after the pipeline drained.
      assignments: Stream.unwrap(joinConsumerGroup(kafka, producer, config).pipe(Scope.extend(busScope), Effect.map(Stream.fromQueue))),
      follow: followTopic(kafka, config)
    })
  })

export const KafkaBusLive = (config: KafkaBusConfig) => Layer.scoped(LogBus, makeKafkaBus(config))
