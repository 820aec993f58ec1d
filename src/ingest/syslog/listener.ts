import { Effect, Layer } from "effect"
import type { Config } from "../../config.ts"
import type { LogRecord } from "../../domain/log-record.ts"
import { normalise } from "../../domain/normalise.ts"
import { type IngestBuffer, IngestBuffers } from "../../ports/ingest-buffer.ts"
import { Telemetry } from "../../ports/telemetry.ts"
import { parseSyslog, SyslogFramer } from "./parse.ts"

/**
 * Syslog listeners (UDP, and TCP with RFC 6587 framing), each on only when its port is set,
 * publishing through the `syslog-ingest` buffer (actors/ingest-buffer.ts). Syslog has no
 * acknowledgement a sender waits for, so the socket callbacks never wait: each parsed message
 * is offered to the buffer. TCP senders are slowed down before it is full: once it is
 * HIGH_WATER full, TCP connections stop being read (the sender sees TCP backpressure, as
 * rsyslog and syslog-ng expect) until it is back under LOW_WATER; only UDP, which cannot be
 * slowed, loses messages (counted as `ingest_records_total{protocol="syslog",result="dropped"}`
 * and in the buffer's `dropped`). On shutdown the listeners close first, then the buffer drains.
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
  /** Records the buffer holds before new ones are dropped. */
  readonly bufferRecords: number
  /** Whether HTTP ingest requires credentials: syslog carries none, so say so at start-up. */
  readonly authRequiredElsewhere: boolean
}

/** Buffer fill (fraction of capacity) at which TCP reading pauses, and below which it resumes. */
const HIGH_WATER = 0.8
const LOW_WATER = 0.5

export const makeSyslogListeners = (config: SyslogListenerConfig) =>
  Effect.gen(function*() {
    const telemetry = yield* Telemetry
    const count = (result: "rejected" | "dropped", n: number) => {
      if (n > 0) telemetry.ingestRecords.inc({ protocol: "syslog", result }, n)
    }

    /**
     * A TCP connection. Its records wait in `pending` (in order) while the buffer is full, and
     * its socket is paused from HIGH_WATER until the buffer is back below LOW_WATER and
     * `pending` has moved in, so nothing a TCP sender sent is dropped.
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

    /** Moves paused connections' records into the buffer; resumes those emptied once it is below LOW_WATER. */
    const refill = (buffer: IngestBuffer) => {
      for (const connection of paused) {
        let moved = 0
        while (moved < connection.pending.length && buffer.offer(connection.pending[moved]!)) moved++
        connection.pending.splice(0, moved)
        if (connection.pending.length > 0) return
        if (buffer.depth() > buffer.capacity * LOW_WATER) return
        connection.socket?.resume()
        paused.delete(connection)
      }
    }

    const buffer: IngestBuffer = yield* (yield* IngestBuffers).make({
      name: "syslog-ingest",
      protocol: "syslog",
      capacity: config.bufferRecords,
      onRoom: () => refill(buffer),
      heldOutside: () => {
        const waiting = [...paused].flatMap((c) => c.pending)
        paused.clear()
        return waiting
      }
    })

    /** UDP cannot be slowed down: a datagram that finds the mailbox full is dropped and counted. */
    const acceptDatagram = (text: string, peer: string) => {
      const record = toRecord(text, peer)
      if (record !== undefined && !buffer.offer(record)) {
        buffer.dropped()
        count("dropped", 1)
      }
    }

    const acceptFrames = (connection: Connection, frames: ReadonlyArray<string>) => {
      for (const frame of frames) {
        const record = toRecord(frame, connection.peer)
        if (record === undefined) continue
        if (connection.pending.length > 0 || !buffer.offer(record)) connection.pending.push(record)
      }
      if (!paused.has(connection) && (connection.pending.length > 0 || buffer.depth() >= buffer.capacity * HIGH_WATER)) {
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
              // Records still pending are delivered by the buffer; there is no socket to resume any more.
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
