import { Chunk, Effect, Layer, Queue, Schedule } from "effect"
import type { IngestError } from "../src/domain/errors.ts"
import type { LogRecord } from "../src/domain/log-record.ts"
import { type IngestBuffer, type IngestBufferConfig, IngestBuffers } from "../src/ports/ingest-buffer.ts"
import { LogBus } from "../src/ports/log-bus.ts"
import { Telemetry } from "../src/ports/telemetry.ts"
import { spawn } from "./kit/actor.ts"

/**
 * Ingest buffer: the IngestBuffer port as an actor. Its mailbox drops the newest record when
 * full (`dropNewest`: an offer is refused, and the listener decides what that means). It
 * publishes in batches of up to PUBLISH_BATCH records through the same bus as HTTP ingest,
 * PUBLISHERS batches at once; while the pipeline is saturated each batch is retried with capped
 * backoff and the mailbox absorbs the burst. On shutdown what it holds is published once more,
 * with what the listener still holds outside it.
 */

/** Records per publish: large enough to amortise the commit, small enough to keep latency low. */
const PUBLISH_BATCH = 2_000
/** Batches in flight at once (records of one sender may then be stored out of order, as over UDP). */
const PUBLISHERS = 4

/** What a record costs the buffer: its message, plus a rough allowance for the rest of it. */
const recordBytes = (record: LogRecord) => record.message.length + 256

const retrySchedule = Schedule.exponential("100 millis").pipe(Schedule.union(Schedule.spaced("5 seconds")))

export const makeIngestBuffer = (config: IngestBufferConfig) =>
  Effect.gen(function* () {
    const bus = yield* LogBus
    const telemetry = yield* Telemetry
    const count = (result: "accepted" | "failed", n: number) => {
      if (n > 0) telemetry.ingestRecords.inc({ protocol: config.protocol, result }, n)
    }

    const publish = (records: ReadonlyArray<LogRecord>, retry: boolean) =>
      bus.publish(records).pipe(
        Effect.tapError((e) => Effect.logWarning(`${config.name}: could not publish ${records.length} records (${e._tag})${retry ? "; retrying" : ""}`)),
        retry ? Effect.retry({ schedule: retrySchedule, while: (e: IngestError) => e._tag !== "PipelineClosed" }) : (effect) => effect,
        Effect.matchEffect({
          onSuccess: () =>
            Effect.sync(() => {
              count("accepted", records.length)
              telemetry.logsProcessed.inc(records.length)
            }),
          onFailure: () => Effect.sync(() => count("failed", records.length))
        })
      )

    let bytes = 0
    const actor = yield* spawn<LogRecord, never>(
      { name: config.name, kind: "ingest-buffer", capacity: config.capacity, whenFull: "dropNewest" },
      (mailbox, stats) => ({
        run: Effect.all(
          Array.from({ length: PUBLISHERS }, () =>
            Queue.takeBetween(mailbox, 1, PUBLISH_BATCH).pipe(
              Effect.flatMap((chunk) =>
                publish(Chunk.toReadonlyArray(chunk), true).pipe(
                  Effect.andThen(() => {
                    for (const record of chunk) bytes -= recordBytes(record)
                    stats.handled += chunk.length
                    config.onRoom()
                  })
                )
              ),
              Effect.forever
            )
          ),
          { concurrency: "unbounded" }
        ).pipe(Effect.andThen(Effect.never)),
        drain: Effect.suspend(() => {
          const outside = config.heldOutside()
          return Queue.takeAll(mailbox).pipe(Effect.flatMap((rest) => publish([...Chunk.toReadonlyArray(rest), ...outside], false)))
        })
      })
    )
    return {
      offer: (record) => {
        const size = recordBytes(record)
        if (bytes + size > config.maxBytes || !actor.mailbox.unsafeOffer(record)) return false
        bytes += size
        return true
      },
      fill: () => Math.max(actor.stats.depth() / actor.stats.capacity, bytes / config.maxBytes),
      dropped: () => void actor.stats.dropped++
    } satisfies IngestBuffer
  })

export const IngestBuffersLive = Layer.effect(
  IngestBuffers,
  Effect.gen(function* () {
    const context = yield* Effect.context<LogBus | Telemetry>()
    return IngestBuffers.of({ make: (config) => makeIngestBuffer(config).pipe(Effect.provide(context)) })
  })
)
