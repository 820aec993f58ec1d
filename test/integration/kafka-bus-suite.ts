import { describe, expect, test } from "bun:test"
import { Chunk, Context, Effect, Exit, Layer, Queue, Scope, Stream, SubscriptionRef } from "effect"
import type { KafkaBusConfig, KafkaSecurity } from "../../src/adapters/log-bus/kafka/config.ts"
import { KafkaBusLive } from "../../src/adapters/log-bus/kafka/bus.ts"
import { kafkaClient } from "../../src/adapters/log-bus/kafka/connection.ts"
import { LogBus, type PartitionAssignment } from "../../src/ports/log-bus.ts"
import { makeRecord } from "../support/records.ts"

/**
 * The Kafka bus against a real broker: delivery, commit-after-store, poison records,
 * backpressure. Run over each way of connecting (plain text; SASL_SSL with SCRAM or PLAIN).
 */

export interface KafkaConnection {
  readonly brokers: string
  readonly security: KafkaSecurity
}

const fresh = () => Math.random().toString(36).slice(2, 8)

export const kafkaBusSuite = (title: string, connection: KafkaConnection | undefined) => {
  const busConfig = (topic: string, overrides: Partial<KafkaBusConfig> = {}): KafkaBusConfig => ({
    brokers: [connection!.brokers],
    clientId: "logflow-test",
    topic,
    deadLetterTopic: `${topic}.dlq`,
    partitions: 3,
    replicationFactor: 1,
    groupId: `${topic}-group`,
    partitionBuffer: 4,
    commitInterval: "200 millis",
    publishTimeout: "10 seconds",
    sessionTimeout: "6 seconds",
    security: connection!.security,
    ...overrides
  })
  /** A client for the test's own producers and admin calls, connected the same way as the bus. */
  const testClient = () => kafkaClient(busConfig("unused"))
  /** A running bus and the assignments it has received so far. */
  const openBus = async (config: KafkaBusConfig) => {
    const scope = await Effect.runPromise(Scope.make())
    const context = await Effect.runPromise(Layer.buildWithScope(KafkaBusLive(config), scope))
    const bus = Context.get(context, LogBus)
    const assigned = await Effect.runPromise(Queue.unbounded<PartitionAssignment>())
    await Effect.runPromise(Stream.runForEach(bus.assignments, (a) => Queue.offer(assigned, a)).pipe(Effect.forkIn(scope)))
    return { bus, assigned, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
  }

  /** Takes deliveries from every assigned partition until `count` records arrived; acks them when `ack`. */
  const receive = async (assigned: Queue.Queue<PartitionAssignment>, count: number, ack: boolean) => {
    const records: Array<{ partition: number; id: string; service: string; seq: unknown }> = []
    const deadline = Date.now() + 30_000
    const partitions: PartitionAssignment[] = []
    while (records.length < count) {
      if (Date.now() > deadline) throw new Error(`received ${records.length} of ${count} records`)
      partitions.push(...Chunk.toArray(await Effect.runPromise(Queue.takeAll(assigned))))
      let got = false
      for (const p of partitions) {
        for (const d of Chunk.toArray(await Effect.runPromise(Queue.takeAll(p.queue)))) {
          got = true
          records.push(...d.records.map((r) => ({ partition: p.partition, id: r.id, service: r.service, seq: r.attributes.seq })))
          if (ack) await Effect.runPromise(d.ack)
        }
      }
      if (!got) await Bun.sleep(50)
    }
    return records
  }

  const committedOffsets = async (topic: string, groupId: string) => {
    const admin = testClient().admin()
    await admin.connect()
    try {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] })
      return offsets!.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0)
    } finally {
      await admin.disconnect()
    }
  }

  describe.skipIf(!connection)(`Kafka bus (real broker, ${title})`, () => {
    test("publishes with acks=all, keeps each service on one partition in order, commits only what was stored", async () => {
      const topic = `logs-${fresh()}`
      const { bus, assigned, close } = await openBus(busConfig(topic))
      try {
        const records = ["api", "db", "auth"].flatMap((service) => Array.from({ length: 20 }, (_, seq) => makeRecord({ service, attributes: { seq } })))
        await Effect.runPromise(bus.publish(records))
        const received = await receive(assigned, records.length, true)
        for (const service of ["api", "db", "auth"]) {
          const mine = received.filter((r) => r.service === service)
          expect(new Set(mine.map((r) => r.partition)).size).toBe(1)
          expect(mine.map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i))
        }
        // The ticker commits what was acked.
        const deadline = Date.now() + 10_000
        while ((await committedOffsets(topic, `${topic}-group`)) < records.length && Date.now() < deadline) await Bun.sleep(200)
        expect(await committedOffsets(topic, `${topic}-group`)).toBe(records.length)
      } finally {
        await close()
      }
    })

    test("what was stored is committed once more on shutdown, without waiting for the ticker", async () => {
      const topic = `logs-${fresh()}`
      const { bus, assigned, close } = await openBus(busConfig(topic, { commitInterval: "1 hour" }))
      try {
        await Effect.runPromise(bus.publish(Array.from({ length: 15 }, () => makeRecord({ service: "orders" }))))
        await receive(assigned, 15, true)
      } finally {
        await close()
      }
      expect(await committedOffsets(topic, `${topic}-group`)).toBe(15)
    })

    test("records that were not stored are delivered again to the next member of the group", async () => {
      const topic = `logs-${fresh()}`
      const first = await openBus(busConfig(topic))
      const records = Array.from({ length: 10 }, () => makeRecord({ service: "payments" }))
      try {
        await Effect.runPromise(first.bus.publish(records))
        // Received but never acked (the store did not take them), then the worker goes away.
        expect((await receive(first.assigned, 10, false)).length).toBe(10)
      } finally {
        await first.close()
      }
      expect(await committedOffsets(topic, `${topic}-group`)).toBe(0)
      const second = await openBus(busConfig(topic))
      try {
        const again = await receive(second.assigned, 10, true)
        expect(again.map((r) => r.id).sort()).toEqual(records.map((r) => r.id).sort())
      } finally {
        await second.close()
      }
    })

    test("a message that is not a record goes to the dead-letter topic with the reason; the partition keeps flowing", async () => {
      const topic = `logs-${fresh()}`
      const { bus, assigned, close } = await openBus(busConfig(topic, { partitions: 1 }))
      const kafka = testClient()
      const producer = kafka.producer()
      const dlq = kafka.consumer({ groupId: `${topic}-dlq-reader` })
      try {
        await producer.connect()
        await producer.send({
          topic,
          messages: [
            { key: "x", value: "{not json" },
            { key: "x", value: JSON.stringify({ service: "x" }) }
          ]
        })
        const good = makeRecord({ service: "x" })
        await Effect.runPromise(bus.publish([good]))
        expect((await receive(assigned, 1, true)).map((r) => r.id)).toEqual([good.id])

        const reasons: string[] = []
        await dlq.connect()
        await dlq.subscribe({ topic: `${topic}.dlq`, fromBeginning: true })
        await dlq.run({ eachMessage: async ({ message }) => void reasons.push(String(message.headers?.reason)) })
        const deadline = Date.now() + 20_000
        while (reasons.length < 2 && Date.now() < deadline) await Bun.sleep(100)
        expect(reasons).toEqual(["not JSON", "id: missing"])
      } finally {
        await dlq.disconnect()
        await producer.disconnect()
        await close()
      }
    })

    test("the live-tail follower reads the topic only while wanted, and from then on: what was published meanwhile is skipped", async () => {
      const topic = `logs-${fresh()}`
      const { bus, close } = await openBus(busConfig(topic))
      const scope = await Effect.runPromise(Scope.make())
      try {
        const wanted = await Effect.runPromise(SubscriptionRef.make(true))
        const followed = await Effect.runPromise(Queue.unbounded<string>())
        await Effect.runPromise(
          Stream.runForEach(bus.follow(wanted.changes), (records) =>
            Queue.offerAll(
              followed,
              records.map((r) => r.message)
            )
          ).pipe(Effect.forkIn(scope))
        )
        const taken: string[] = []
        /** Publishes `message` until the follower hands it over (it reads from the newest offsets once it has joined). */
        const publishUntilFollowed = async (message: string) => {
          const deadline = Date.now() + 30_000
          while (!taken.includes(message)) {
            if (Date.now() > deadline) throw new Error(`the follower did not hand over '${message}'`)
            await Effect.runPromise(bus.publish([makeRecord({ service: "tail", message })]))
            await Bun.sleep(200)
            taken.push(...Chunk.toArray(await Effect.runPromise(Queue.takeAll(followed))))
          }
        }
        await publishUntilFollowed("first")
        await Effect.runPromise(SubscriptionRef.set(wanted, false))
        await Effect.runPromise(bus.publish(Array.from({ length: 10 }, () => makeRecord({ service: "tail", message: "unwanted" }))))
        // Given time to fetch them, a paused follower hands over nothing (and they are older than
        // the second it reaches back when wanted again, for other publishers' clocks).
        await Bun.sleep(2_500)
        taken.push(...Chunk.toArray(await Effect.runPromise(Queue.takeAll(followed))))
        expect(taken).not.toContain("unwanted")
        await Effect.runPromise(SubscriptionRef.set(wanted, true))
        await publishUntilFollowed("again")
        // Wanted again, it starts from the newest offsets: what came meanwhile is not read late.
        expect(taken).not.toContain("unwanted")
      } finally {
        await Effect.runPromise(Scope.close(scope, Exit.void))
        await close()
      }
    })

    test("a partition whose pipeline is behind is paused, not buffered without bound", async () => {
      const topic = `logs-${fresh()}`
      const { bus, assigned, close } = await openBus(busConfig(topic, { partitions: 1, partitionBuffer: 2 }))
      try {
        // Twenty separate sends once the partition is assigned and read: Kafka hands them over as
        // several batches (sent before, a late consumer may fetch them all as one).
        const partition = await Effect.runPromise(Queue.take(assigned))
        for (let i = 0; i < 20; i++) await Effect.runPromise(bus.publish([makeRecord({ service: "slow", attributes: { seq: i } })]))
        // First the buffer fills (so records were fetched: an empty buffer would prove nothing)…
        const deadline = Date.now() + 20_000
        while ((await Effect.runPromise(Queue.size(partition.queue))) < 2 && Date.now() < deadline) await Bun.sleep(50)
        expect(await Effect.runPromise(Queue.size(partition.queue))).toBeGreaterThanOrEqual(2)
        // …then, given time to read on, the consumer does not.
        await Bun.sleep(1_500)
        // Nobody reads the partition: it holds its buffer plus the one batch waiting for room
        // (Queue.size counts a waiting offer), and Kafka is not read further meanwhile.
        expect(await Effect.runPromise(Queue.size(partition.queue))).toBeLessThanOrEqual(3)
        await Effect.runPromise(Queue.offer(assigned, partition))
        const all = await receive(assigned, 20, true)
        expect(all.map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i))
      } finally {
        await close()
      }
    })
  })
}
