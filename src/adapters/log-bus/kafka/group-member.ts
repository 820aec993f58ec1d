import { Deferred, Duration, Effect, Option, Queue, Runtime, Schedule } from "effect"
import type { Consumer, EachBatchPayload, Kafka, Producer } from "kafkajs"
import { Gauge } from "prom-client"
import type { LogRecord } from "../../../domain/log-record.ts"
import type { Delivery, PartitionAssignment } from "../../../ports/log-bus.ts"
import { Telemetry } from "../../../ports/telemetry.ts"
import type { KafkaBusConfig } from "./config.ts"
import { PartitionOffsets } from "./offsets.ts"
import { decodeRecord } from "./records.ts"

/**
 * A worker's membership of the consumer group. Each partition the group assigns becomes a
 * PartitionAssignment (a bounded queue of deliveries for the pipeline), revoked when a
 * rebalance takes it away. Offsets are committed only once the batch holding them is in the
 * store, on a ticker and once more when the scope closes; a batch the store refused is read
 * again; a partition whose queue is full is paused until there is room; a message that is not
 * a record goes to the dead-letter topic with the reason. Exports the consumer lag per partition.
 */
export const joinConsumerGroup = (kafka: Kafka, producer: Producer, config: KafkaBusConfig) =>
  Effect.gen(function*() {
    const run = Runtime.runPromise(yield* Effect.runtime<never>())
    const out = yield* Queue.unbounded<PartitionAssignment>()
    interface Owned {
      readonly assignment: PartitionAssignment
      readonly queue: Queue.Queue<Delivery>
      readonly revoke: () => void
      readonly offsets: PartitionOffsets
      highWatermark: bigint
    }
    const owned = new Map<number, Owned>()
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
        const queue = Effect.runSync(Queue.bounded<Delivery>(config.partitionBuffer))
        const revoked = Effect.runSync(Deferred.make<void>())
        const assignment: PartitionAssignment = { partition: p, queue, revoked: Deferred.await(revoked) }
        owned.set(p, { assignment, queue, revoke: () => Effect.runSync(Deferred.succeed(revoked, undefined)), offsets: new PartitionOffsets(), highWatermark: 0n })
        Queue.unsafeOffer(out, assignment)
      }
    }

    const eachBatch = async ({ batch, heartbeat, pause, resolveOffset, isRunning, isStale }: EachBatchPayload) => {
      const state = owned.get(batch.partition)
      if (!state || batch.messages.length === 0 || !isRunning() || isStale()) return
      state.highWatermark = BigInt(batch.highWatermark)
      const records: LogRecord[] = []
      const poison: Array<{ value: Buffer | null; offset: string; reason: string }> = []
      for (const m of batch.messages) {
        const decoded = decodeRecord(m.value)
        if (typeof decoded === "string") poison.push({ value: m.value, offset: m.offset, reason: decoded })
        else records.push(decoded)
      }
      if (poison.length > 0) {
        await producer.send({
          topic: config.deadLetterTopic,
          acks: -1,
          messages: poison.map((m) => ({
            value: m.value,
            headers: { reason: m.reason, source_topic: config.topic, source_partition: String(batch.partition), source_offset: m.offset }
          }))
        })
        await run(Effect.logWarning(`${poison.length} poison message(s) sent to ${config.deadLetterTopic}`, poison[0]!.reason))
      }
      const handle = state.offsets.add(batch.firstOffset()!, batch.lastOffset())
      const delivery: Delivery = {
        records,
        ack: Effect.sync(() => state.offsets.stored(handle)),
        reject: () => Effect.sync(() => {
          // Not stored: read the partition again from this batch (the store skips what it has).
          const from = state.offsets.failed(handle)
          if (from !== undefined && owned.get(batch.partition) === state) consumer.seek({ topic: config.topic, partition: batch.partition, offset: from })
        })
      }
      if (records.length === 0) {
        state.offsets.stored(handle)
      } else if (!Queue.unsafeOffer(state.queue, delivery)) {
        // The pipeline is behind: stop fetching this partition until its buffer has room.
        const resume = pause()
        const beat = setInterval(() => void heartbeat().catch(() => undefined), 1_000)
        try {
          await run(Queue.offer(state.queue, delivery))
        } catch {
          return // shutting down: not resolved, so the batch is read again by whoever owns it next
        } finally {
          clearInterval(beat)
          resume()
        }
      }
      resolveOffset(batch.lastOffset())
      await heartbeat()
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
          eachBatch
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

    yield* Effect.promise(() => commit(owned.keys())).pipe(
      Effect.repeat(Schedule.spaced(config.commitInterval)),
      Effect.forkScoped
    )

    // Lag = end of the partition minus what is committed, read at scrape time.
    const telemetry = yield* Effect.serviceOption(Telemetry)
    if (Option.isSome(telemetry)) {
      new Gauge({
        name: "logflow_kafka_consumer_lag",
        help: "Records on an assigned partition not yet committed by this consumer group member",
        labelNames: ["topic", "partition"] as const,
        registers: [telemetry.value.registry],
        collect() {
          this.reset()
          for (const [p, o] of owned) {
            const committed = o.offsets.committed === undefined ? 0n : BigInt(o.offsets.committed)
            const lag = o.highWatermark > committed ? o.highWatermark - committed : 0n
            this.set({ topic: config.topic, partition: String(p) }, Number(lag))
          }
        }
      })
    }
    return out
  })
