import { Deferred, Duration, Effect, Layer, Option, Queue, Runtime, Schedule, Scope, Stream } from "effect"
import { type Consumer, type EachBatchPayload, Kafka, logLevel, Partitioners, type Producer } from "kafkajs"
import { Gauge } from "prom-client"
import { PipelineSaturated, type IngestError } from "../../domain/errors.ts"
import type { LogRecord } from "../../domain/log-record.ts"
import { LogBus, type Delivery, type PartitionAssignment } from "../../ports/log-bus.ts"
import { Telemetry } from "../../telemetry/prometheus.ts"
import { decodeRecord, encodeRecord } from "./kafka-records.ts"
import { PartitionOffsets } from "./kafka-offsets.ts"

/**
 * The LogBus on Kafka (kafkajs). Publishing sends to topic `logs` keyed by service (so one
 * service's records stay in order on one partition) with acks=all on an idempotent producer,
 * and completes once the brokers have them. Consuming (worker roles) joins a consumer group:
 * each assigned partition becomes a PartitionAssignment for the pipeline, revoked on
 * rebalance. Offsets are committed only once the batch holding them is in the store, on a
 * ticker and once more on shutdown; a partition whose buffer is full is paused until there is
 * room; a message that is not a record goes to `logs.dlq` with the reason.
 */

export interface KafkaBusConfig {
  readonly brokers: ReadonlyArray<string>
  readonly clientId: string
  readonly topic: string
  readonly deadLetterTopic: string
  /** Partitions and replication of the topics when LogFlow creates them. */
  readonly partitions: number
  readonly replicationFactor: number
  readonly groupId: string
  /** Kafka batches a partition buffers before it is paused. */
  readonly partitionBuffer: number
  readonly commitInterval: Duration.DurationInput
  /** How long a publish may wait for acks=all before answering 503. */
  readonly publishTimeout: Duration.DurationInput
  readonly sessionTimeout: Duration.DurationInput
}

const retryAfterSeconds = 5

export const makeKafkaBus = (config: KafkaBusConfig) =>
  Effect.gen(function*() {
    const busScope = yield* Effect.scope
    const runtime = yield* Effect.runtime<never>()
    const run = Runtime.runPromise(runtime)
    const kafka = new Kafka({
      clientId: config.clientId,
      brokers: [...config.brokers],
      logLevel: logLevel.WARN,
      retry: { retries: 8, initialRetryTime: 200 }
    })

    yield* Effect.tryPromise(async () => {
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
          try: () => producer.send({
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

    const partitionCount = yield* Effect.tryPromise(async () => {
      const admin = kafka.admin()
      await admin.connect()
      try {
        const meta = await admin.fetchTopicMetadata({ topics: [config.topic] })
        return meta.topics[0]?.partitions.length ?? config.partitions
      } finally {
        await admin.disconnect()
      }
    }).pipe(Effect.orDie)

    /** Starts the consumer group member in the bus's scope, so its last commit runs after the pipeline drained. */
    const consume = Effect.gen(function*() {
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

    // One admin connection for health checks, so /health does not open a connection per call.
    const admin = yield* Effect.acquireRelease(
      Effect.promise(async () => {
        const a = kafka.admin()
        await a.connect().catch(() => undefined)
        return a
      }),
      (a) => Effect.promise(() => a.disconnect())
    )
    const health = Effect.tryPromise(() => admin.describeCluster()).pipe(
      Effect.timeout("3 seconds"),
      Effect.map((cluster) => ({
        status: "healthy" as const,
        details: { engine: "kafka", brokers: cluster.brokers.length, topic: config.topic, group: config.groupId }
      })),
      Effect.catchAll(() => Effect.succeed({ status: "unhealthy" as const, details: { engine: "kafka", error: "brokers unreachable" } }))
    )

    // A consumer group of its own per process: it sees every partition from the newest offset
    // and never commits, so it neither takes partitions from the workers nor leaves a trace.
    const follow = Stream.asyncScoped<ReadonlyArray<LogRecord>>((emit) =>
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

    return LogBus.of({
      publish,
      partitionCount,
      follow,
      health,
      assignments: Stream.unwrap(consume.pipe(Scope.extend(busScope), Effect.map((out) => Stream.fromQueue(out))))
    })
  })

export const KafkaBusLive = (config: KafkaBusConfig) => Layer.scoped(LogBus, makeKafkaBus(config))
