import { Effect } from "effect"
import type { Kafka } from "kafkajs"
import type { KafkaBusConfig } from "./config.ts"
import { explainKafkaError } from "./connection.ts"

/** What the bus asks of the cluster itself: its topics, their partitions, and whether the brokers answer. */

/** Creates the log and dead-letter topics where missing (existing topics keep their partitions). */
export const ensureTopics = (kafka: Kafka, config: KafkaBusConfig) =>
  Effect.tryPromise(async () => {
    const admin = kafka.admin()
    await admin.connect()
    try {
      // Only what is missing: existing topics keep their partitions. Processes starting
      // together may still race; creating an existing topic is then a no-op.
      const existing = new Set(await admin.listTopics())
      const wanted = [
        { topic: config.topic, numPartitions: config.partitions, replicationFactor: config.replicationFactor },
        { topic: config.deadLetterTopic, numPartitions: 1, replicationFactor: config.replicationFactor }
      ].filter((t) => !existing.has(t.topic))
      if (wanted.length > 0) await admin.createTopics({ waitForLeaders: true, topics: wanted })
    } finally {
      await admin.disconnect()
    }
  }).pipe(Effect.retry({ times: 5 }), Effect.orDie)

/** The log topic's partition count as the cluster has it. */
export const topicPartitionCount = (kafka: Kafka, config: KafkaBusConfig) =>
  Effect.tryPromise(async () => {
    const admin = kafka.admin()
    await admin.connect()
    try {
      const meta = await admin.fetchTopicMetadata({ topics: [config.topic] })
      return meta.topics[0]?.partitions.length ?? config.partitions
    } finally {
      await admin.disconnect()
    }
  }).pipe(Effect.orDie)

/** The brokers' health, through one admin connection kept open (so /health does not open one per call). */
export const brokerHealth = (kafka: Kafka, config: KafkaBusConfig) =>
  Effect.gen(function* () {
    const admin = yield* Effect.acquireRelease(
      Effect.promise(async () => {
        const a = kafka.admin()
        await a.connect().catch(() => undefined)
        return a
      }),
      (a) => Effect.promise(() => a.disconnect())
    )
    return Effect.tryPromise(() =>
      admin.describeCluster().catch(async () => {
        // Not connected (the brokers were down at start, or went away): try again.
        await admin.connect()
        return admin.describeCluster()
      })
    ).pipe(
      Effect.timeout("3 seconds"),
      Effect.map((cluster) => ({
        status: "healthy" as const,
        details: { engine: "kafka", brokers: cluster.brokers.length, topic: config.topic, group: config.groupId }
      })),
      Effect.catchAll((e) => {
        const refused = explainKafkaError(e._tag === "UnknownException" ? e.error : e, config)
        return Effect.succeed({ status: "unhealthy" as const, details: { engine: "kafka", problem: refused.problem, error: refused.message } })
      })
    )
  })
