import { Chunk, Effect, Layer, Queue, Schedule } from "effect"
import { spawn } from "../../../actors/kit/actor.ts"
import type { Config } from "../../config.ts"
import type { IngestError } from "../../domain/errors.ts"
import type { LogRecord } from "../../domain/log-record.ts"
import { normalise } from "../../domain/normalise.ts"
import { LogBus } from "../../ports/log-bus.ts"
import { Telemetry } from "../../telemetry/prometheus.ts"
import { parseSyslog, SyslogFramer } from "./parse.ts"

/**
 * Syslog listeners (UDP, and TCP with RFC 6587 framing), each on only when its port is set, and
 * the `syslog-ingest` actor that publishes what they receive. Syslog has no acknowledgement a
 * sender waits for, so the socket callbacks never wait: each parsed message goes into the
 * actor's mailbox, which drops the newest message when full (`dropNewest`, counted as
 * `ingest_records_total{protocol="syslog",result="dropped"}` and in the actor's `dropped`).
 * TCP senders are slowed down before that happens: once the mailbox is HIGH_WATER full, TCP
 * connections stop being read (the sender sees TCP backpressure, as rsyslog and syslog-ng
 * expect) until it is back under LOW_WATER; only UDP, which cannot be slowed, loses messages.
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
  /** Whether HTTP ingest requires credentials: syslog carries none, so say so at start-up. */
  readonly authRequiredElsewhere: boolean
}

/** Records per publish: large enough to amortise the commit, small enough to keep latency low. */
const PUBLISH_BATCH = 2_000
/** Batches in flight at once (records of one sender may then be stored out of order, as over UDP). */
const PUBLISHERS = 4
/** Mailbox fill (fraction of capacity) at which TCP reading pauses, and below which it resumes. */
const HIGH_WATER = 0.8
const LOW_WATER = 0.5

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

    /**
     * A TCP connection. Its records wait in `pending` (in order) while the mailbox is full, and
     * its socket is paused from HIGH_WATER until the actor has taken the mailbox back below
     * LOW_WATER and moved `pending` in, so nothing a TCP sender sent is dropped.
     */
    interface Connection {
      readonly framer: SyslogFramer
      readonly peer: string
      readonly pending: LogRecord[]
      socket: { pause(): void; resume(): void } | undefined
    }
    const paused = new Set<Connection>()

    const toRecord = (text: string, peer: string): LogRecord | undefined => {
      const now = Date.now()
      const raw = parseSyslog(text, now)
      const result = normalise({ ...raw, host: raw.host ?? peer }, now)
      if (result.ok) return result.record
      count("rejected", 1)
      return undefined
    }

    /** Moves paused connections' records into the mailbox; resumes those emptied once it is below LOW_WATER. */
    const refill = (mailbox: Queue.Queue<LogRecord>, depth: () => number, capacity: number) => {
      for (const connection of paused) {
        let moved = 0
        while (moved < connection.pending.length && mailbox.unsafeOffer(connection.pending[moved]!)) moved++
        connection.pending.splice(0, moved)
        if (connection.pending.length > 0) return
        if (depth() > capacity * LOW_WATER) return
        connection.socket?.resume()
        paused.delete(connection)
      }
    }

    const actor = yield* spawn<LogRecord, never>(
      { name: "syslog-ingest", kind: "syslog-ingest", capacity: config.bufferRecords, whenFull: "dropNewest" },
      (mailbox, stats) => ({
        // Several publishers, so the next batch is on its way while one waits for its commit.
        run: Effect.all(Array.from({ length: PUBLISHERS }, () =>
          Queue.takeBetween(mailbox, 1, PUBLISH_BATCH).pipe(
            Effect.flatMap((chunk) =>
              publish(Chunk.toReadonlyArray(chunk), true).pipe(Effect.andThen(() => {
                stats.handled += chunk.length
                refill(mailbox, stats.depth, stats.capacity)
              }))
            ),
            Effect.forever
          )), { concurrency: "unbounded" }).pipe(Effect.andThen(Effect.never)),
        drain: Effect.suspend(() => {
          const waiting = [...paused].flatMap((c) => c.pending)
          paused.clear()
          return Queue.takeAll(mailbox).pipe(Effect.flatMap((rest) => publish([...Chunk.toReadonlyArray(rest), ...waiting], false)))
        })
      })
    )

    /** UDP cannot be slowed down: a datagram that finds the mailbox full is dropped and counted. */
    const acceptDatagram = (text: string, peer: string) => {
      const record = toRecord(text, peer)
      if (record !== undefined && !actor.mailbox.unsafeOffer(record)) {
        actor.stats.dropped++
        count("dropped", 1)
      }
    }

    const acceptFrames = (connection: Connection, frames: ReadonlyArray<string>) => {
      for (const frame of frames) {
        const record = toRecord(frame, connection.peer)
        if (record === undefined) continue
        if (connection.pending.length > 0 || !actor.mailbox.unsafeOffer(record)) connection.pending.push(record)
      }
      if (!paused.has(connection) && (connection.pending.length > 0 || actor.stats.depth() >= actor.stats.capacity * HIGH_WATER)) {
        connection.socket?.pause()
        paused.add(connection)
      }
    }

    if (config.authRequiredElsewhere) {
      yield* Effect.logWarning(`syslog listeners take unauthenticated messages (syslog has no credentials) while HTTP ingest requires them; bind SYSLOG_HOST (${config.host}) to a network you trust`)
    }

    if (config.udpPort !== undefined) {
      const decoder = new TextDecoder()
      const socket = yield* Effect.acquireRelease(
        Effect.promise(() => Bun.udpSocket({
          hostname: config.host,
          port: config.udpPort!,
          socket: {
            data(_socket, datagram, _port, address) {
              acceptDatagram(decoder.decode(datagram.subarray(0, config.maxMessageBytes)), address)
            }
          }
        })),
        (s) => Effect.sync(() => s.close())
      )
      yield* Effect.logInfo(`syslog listening on udp://${config.host}:${socket.port}`)
    }

    if (config.tcpPort !== undefined) {
      const listener = yield* Effect.acquireRelease(
        Effect.sync(() => Bun.listen<Connection>({
          hostname: config.host,
          port: config.tcpPort!,
          socket: {
            open(socket) {
              socket.data = { framer: new SyslogFramer(config.maxMessageBytes), peer: socket.remoteAddress, pending: [], socket }
            },
            data(socket, chunk) {
              acceptFrames(socket.data, socket.data.framer.push(chunk))
            },
            close(socket) {
              // Records still pending are delivered by the actor; there is no socket to resume any more.
              socket.data.socket = undefined
              if (socket.data.pending.length === 0) paused.delete(socket.data)
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
      bufferRecords: config.SYSLOG_BUFFER_RECORDS,
      authRequiredElsewhere: config.requireAuthForIngest
    }))
