import { Chunk, Effect, Layer, Queue, Schedule } from "effect"
import { spawn } from "../../actors/actor.ts"
import type { Config } from "../config.ts"
import type { IngestError } from "../domain/errors.ts"
import type { LogRecord } from "../domain/log-record.ts"
import { normalise } from "../domain/normalise.ts"
import { LogBus } from "../ports/log-bus.ts"
import { Telemetry } from "../telemetry/prometheus.ts"
import { parseSyslog, SyslogFramer } from "./syslog.ts"

/**
 * Syslog listeners (UDP, and TCP with RFC 6587 framing), each on only when its port is set, and
 * the `syslog-ingest` actor that publishes what they receive. Syslog has no acknowledgement a
 * sender waits for, so the listeners never block: each parsed message goes into the actor's
 * mailbox, which drops the newest message when full (`dropNewest`, counted as
 * `ingest_records_total{protocol="syslog",result="dropped"}` and in the actor's `dropped`).
 * The actor publishes in batches of up to PUBLISH_BATCH records through the same bus as HTTP
 * ingest; while the pipeline is saturated it retries with capped backoff and the mailbox
 * absorbs the burst. On shutdown the listeners close first, then the mailbox is drained.
 */

export interface SyslogListenerConfig {
  /** Address the listeners bind. */
  readonly host: string
  /** UDP port (RFC 5426: one message per datagram); undefined: no UDP listener. */
  readonly udpPort: number | undefined
  /** TCP port (RFC 6587: octet counting or LF framing); undefined: no TCP listener. */
  readonly tcpPort: number | undefined
  /** Longest message; longer TCP frames are cut (see SyslogFramer), longer datagrams truncated. */
  readonly maxMessageBytes: number
  /** Records the mailbox holds before new ones are dropped. */
  readonly bufferRecords: number
}

/** Records per publish: large enough to amortise the commit, small enough to keep latency low. */
const PUBLISH_BATCH = 2_000

const retrySchedule = Schedule.exponential("100 millis").pipe(Schedule.union(Schedule.spaced("5 seconds")))

export const makeSyslogListeners = (config: SyslogListenerConfig) =>
  Effect.gen(function*() {
    const bus = yield* LogBus
    const telemetry = yield* Telemetry
    const count = (result: "accepted" | "rejected" | "dropped" | "failed", n: number) => {
      if (n > 0) telemetry.ingestRecords.inc({ protocol: "syslog", result }, n)
    }

    const publish = (records: ReadonlyArray<LogRecord>, retry: boolean) =>
      bus.publish(records).pipe(
        Effect.tapError((e) => Effect.logWarning(`syslog: could not publish ${records.length} records (${e._tag})${retry ? "; retrying" : ""}`)),
        retry ? Effect.retry({ schedule: retrySchedule, while: (e: IngestError) => e._tag !== "PipelineClosed" }) : (effect) => effect,
        Effect.matchEffect({
          onSuccess: () => Effect.sync(() => {
            count("accepted", records.length)
            telemetry.logsProcessed.inc(records.length)
          }),
          onFailure: () => Effect.sync(() => count("failed", records.length))
        })
      )

    const actor = yield* spawn<LogRecord, never>(
      { name: "syslog-ingest", kind: "syslog-ingest", capacity: config.bufferRecords, whenFull: "dropNewest" },
      (mailbox, stats) => ({
        run: Queue.takeBetween(mailbox, 1, PUBLISH_BATCH).pipe(
          Effect.flatMap((chunk) => publish(Chunk.toReadonlyArray(chunk), true).pipe(Effect.andThen(() => (stats.handled += chunk.length)))),
          Effect.forever
        ),
        drain: Queue.takeAll(mailbox).pipe(Effect.flatMap((rest) => publish(Chunk.toReadonlyArray(rest), false)))
      })
    )

    /** Parses one message and queues it, or counts why not. Runs in the socket callbacks: never blocks. */
    const accept = (text: string, peer: string) => {
      const now = Date.now()
      const raw = parseSyslog(text, now)
      const result = normalise({ ...raw, host: raw.host ?? peer }, now)
      if (!result.ok) return count("rejected", 1)
      if (!actor.mailbox.unsafeOffer(result.record)) {
        actor.stats.dropped++
        count("dropped", 1)
      }
    }

    if (config.udpPort !== undefined) {
      const decoder = new TextDecoder()
      const socket = yield* Effect.acquireRelease(
        Effect.promise(() => Bun.udpSocket({
          hostname: config.host,
          port: config.udpPort!,
          socket: {
            data(_socket, datagram, _port, address) {
              accept(decoder.decode(datagram.subarray(0, config.maxMessageBytes)), address)
            }
          }
        })),
        (s) => Effect.sync(() => s.close())
      )
      yield* Effect.logInfo(`syslog listening on udp://${config.host}:${socket.port}`)
    }

    if (config.tcpPort !== undefined) {
      const listener = yield* Effect.acquireRelease(
        Effect.sync(() => Bun.listen<{ framer: SyslogFramer; peer: string }>({
          hostname: config.host,
          port: config.tcpPort!,
          socket: {
            open(socket) {
              socket.data = { framer: new SyslogFramer(config.maxMessageBytes), peer: socket.remoteAddress }
            },
            data(socket, chunk) {
              for (const frame of socket.data.framer.push(chunk)) accept(frame, socket.data.peer)
            },
            error(_socket, error) {
              Effect.runFork(Effect.logWarning(`syslog: TCP connection failed: ${error.message}`))
            }
          }
        })),
        (l) => Effect.sync(() => l.stop(true))
      )
      yield* Effect.logInfo(`syslog listening on tcp://${config.host}:${listener.port}`)
    }
  }).pipe(Effect.annotateLogs({ module: "syslog" }))

/** The listeners as a layer: nothing at all unless SYSLOG_UDP_PORT or SYSLOG_TCP_PORT is set. */
export const SyslogListenersLive = (config: Config) =>
  config.SYSLOG_UDP_PORT === undefined && config.SYSLOG_TCP_PORT === undefined
    ? Layer.empty
    : Layer.scopedDiscard(makeSyslogListeners({
      host: config.SYSLOG_HOST,
      udpPort: config.SYSLOG_UDP_PORT,
      tcpPort: config.SYSLOG_TCP_PORT,
      maxMessageBytes: config.SYSLOG_MAX_MESSAGE_BYTES,
      bufferRecords: config.SYSLOG_BUFFER_RECORDS
    }))
