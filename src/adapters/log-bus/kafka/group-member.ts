import { Duration, Effect, Option, Queue, Runtime, Schedule } from "effect"
import type { Consumer, Kafka, Producer } from "kafkajs"
import { Gauge, type Registry } from "prom-client"
import type { PartitionAssignment } from "../../../ports/log-bus.ts"
import { Telemetry } from "../../../ports/telemetry.ts"
import { makeBatchHandler } from "./batch-handler.ts"
import type { KafkaBusConfig } from "./config.ts"
import { makeOwnedPartitions, type OwnedPartition } from "./owned-partitions.ts"

/**
 * A worker's membership of the consumer group. Each partition the group assigns becomes a
 * PartitionAssignment (owned-partitions.ts), revoked when a rebalance takes it away; fetched
 * batches go to it as deliveries (batch-handler.ts). Offsets are committed only once the batch
 * holding them is in the store, on a ticker and once more when the scope closes. Exports the
 * consumer lag per partition.
 */
export const joinConsumerGroup = (kafka: Kafka, producer: Producer, config: KafkaBusConfig) =>
  Effect.gen(function* () {
    const run = Runtime.runPromise(yield* Effect.runtime<never>())
    const out = yield* Queue.unbounded<PartitionAssignment>()
    const { owned, assign } = makeOwnedPartitions(out, config.partitionBuffer)
    const consumer: Consumer = kafka.consumer({
      groupId: config.groupId,
      sessionTimeout: Duration.toMillis(config.sessionTimeout),
      heartbeatInterval: Math.max(500, Math.floor(Duration.toMillis(config.sessionTimeout) / 6)),
      allowAutoTopicCreation: false
    })

    const commit = async (partitions: Iterable<number>) => {
      const offsets = [...partitions].flatMap((p) => {
        const due = owned.get(p)?.offsets.due()
        return due === undefined ? [] : [{ topic: config.topic, partition: p, offset: due }]
      })
      if (offsets.length === 0) return
      try {
        await consumer.commitOffsets(offsets)
        for (const o of offsets) owned.get(o.partition)!.offsets.committed = o.offset
      } catch (e) {
        // Lost the partition in a rebalance: its new owner reads from the last commit and the
        // store skips what it already has.
        await run(Effect.logWarning("offset commit failed; the records will be redelivered", String(e)))
      }
    }

    yield* Effect.acquireRelease(
      Effect.promise(async () => {
        consumer.on(consumer.events.GROUP_JOIN, (event) => assign(event.payload.memberAssignment[config.topic] ?? []))
        await consumer.connect()
        await consumer.subscribe({ topics: [config.topic], fromBeginning: true })
        await consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: Math.max(1, config.partitions),
          eachBatch: makeBatchHandler(owned, consumer, producer, config, run)
        })
      }),
      () =>
        Effect.promise(async () => {
          // The pipeline has drained by now (it closes before the bus): commit what it stored.
          await commit(owned.keys())
          for (const o of owned.values()) await run(Queue.shutdown(o.queue))
          await consumer.disconnect()
        })
    )

    yield* Effect.promise(() => commit(owned.keys())).pipe(Effect.repeat(Schedule.spaced(config.commitInterval)), Effect.forkScoped)

    const telemetry = yield* Effect.serviceOption(Telemetry)
    if (Option.isSome(telemetry)) exportConsumerLag(telemetry.value.registry, config.topic, owned)
    return out
  })

/** Lag = end of the partition minus what is committed, read at scrape time. */
const exportConsumerLag = (registry: Registry, topic: string, owned: ReadonlyMap<number, OwnedPartition>) =>
  new Gauge({
    name: "logflow_kafka_consumer_lag",
    help: "Records on an assigned partition not yet committed by this consumer group member",
    labelNames: ["topic", "partition"] as const,
    registers: [registry],
    collect() {
      this.reset()
      for (const [p, o] of owned) {
        const committed = o.offsets.committed === undefined ? 0n : BigInt(o.offsets.committed)
        const lag = o.highWatermark > committed ? o.highWatermark - committed : 0n
        this.set({ topic, partition: String(p) }, Number(lag))
      }
    }
  })
