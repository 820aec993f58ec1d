import { Effect, Queue } from "effect"
import type { Consumer, EachBatchPayload, Producer } from "kafkajs"
import type { LogRecord } from "../../../domain/log-record.ts"
import type { Delivery } from "../../../ports/log-bus.ts"
import type { KafkaBusConfig } from "./config.ts"
import type { OwnedPartition } from "./owned-partitions.ts"
import { decodeRecord } from "./records.ts"

/**
 * What a group member does with each fetched batch: decode the records (a message that is not
 * one goes to the dead-letter topic with the reason), hand them to the partition's queue as a
 * delivery whose ack marks the offsets stored and whose reject reads the partition again from
 * there, and pause the partition while its queue is full.
 */

type Poison = { readonly value: Buffer | null; readonly offset: string; readonly reason: string }

export const makeBatchHandler = (
  owned: ReadonlyMap<number, OwnedPartition>,
  consumer: Consumer,
  producer: Producer,
  config: KafkaBusConfig,
  run: <A>(effect: Effect.Effect<A>) => Promise<A>
) => {
  const sendToDeadLetters = async (partition: number, poison: ReadonlyArray<Poison>) => {
    await producer.send({
      topic: config.deadLetterTopic,
      acks: -1,
      messages: poison.map((m) => ({
        value: m.value,
        headers: { reason: m.reason, source_topic: config.topic, source_partition: String(partition), source_offset: m.offset }
      }))
    })
    await run(Effect.logWarning(`${poison.length} poison message(s) sent to ${config.deadLetterTopic}`, poison[0]!.reason))
  }

  return async ({ batch, heartbeat, pause, resolveOffset, isRunning, isStale }: EachBatchPayload) => {
    const state = owned.get(batch.partition)
    if (!state || batch.messages.length === 0 || !isRunning() || isStale()) return
    state.highWatermark = BigInt(batch.highWatermark)
    const records: LogRecord[] = []
    const poison: Poison[] = []
    for (const m of batch.messages) {
      const decoded = decodeRecord(m.value)
      if (typeof decoded === "string") poison.push({ value: m.value, offset: m.offset, reason: decoded })
      else records.push(decoded)
    }
    if (poison.length > 0) await sendToDeadLetters(batch.partition, poison)
    const handle = state.offsets.add(batch.firstOffset()!, batch.lastOffset())
    const delivery: Delivery = {
      records,
      ack: Effect.sync(() => state.offsets.stored(handle)),
      reject: () =>
        Effect.sync(() => {
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
}
