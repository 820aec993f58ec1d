import { Effect } from "effect"
import type { LogRecord } from "../../domain/log-record.ts"
import type { IngestBuffer } from "../../ports/ingest-buffer.ts"
import { SyslogFramer } from "./parse.ts"

/**
 * The syslog TCP listener (RFC 6587: octet counting or LF framing), with backpressure: once the
 * buffer is HIGH_WATER full, a connection stops being read (the sender sees TCP backpressure,
 * as rsyslog and syslog-ng expect) and its records wait in order in `pending`, until the buffer
 * is back under LOW_WATER and `pending` has moved in; so nothing a TCP sender sent is dropped.
 */

/** Buffer fill (fraction of capacity) at which TCP reading pauses, and below which it resumes. */
const HIGH_WATER = 0.8
const LOW_WATER = 0.5

interface Connection {
  readonly framer: SyslogFramer
  readonly peer: string
  readonly pending: LogRecord[]
  socket: { pause(): void; resume(): void } | undefined
}

export const makeTcpIntake = (toRecord: (text: string, peer: string) => LogRecord | undefined) => {
  const paused = new Set<Connection>()

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

  /** The records paused connections still hold (for the shutdown drain). */
  const takeHeld = () => {
    const waiting = [...paused].flatMap((c) => c.pending)
    paused.clear()
    return waiting
  }

  const accept = (buffer: IngestBuffer, connection: Connection, frames: ReadonlyArray<string>) => {
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

  const listen = (host: string, port: number, maxMessageBytes: number, buffer: IngestBuffer) =>
    Effect.gen(function* () {
      const listener = yield* Effect.acquireRelease(
        Effect.sync(() =>
          Bun.listen<Connection>({
            hostname: host,
            port,
            socket: {
              open(socket) {
                socket.data = { framer: new SyslogFramer(maxMessageBytes), peer: socket.remoteAddress, pending: [], socket }
              },
              data(socket, chunk) {
                accept(buffer, socket.data, socket.data.framer.push(chunk))
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
          })
        ),
        (l) => Effect.sync(() => l.stop(true))
      )
      yield* Effect.logInfo(`syslog listening on tcp://${host}:${listener.port}`)
    })

  return { refill, takeHeld, listen }
}
