import { Effect } from "effect"
import type { LogRecord } from "../../domain/log-record.ts"
import type { IngestBuffer } from "../../ports/ingest-buffer.ts"
import { type Frame, SyslogFramer } from "./framer.ts"

/**
 * The syslog TCP listener (RFC 6587: octet counting or LF framing), with backpressure: once the
 * buffer is HIGH_WATER full, a connection stops being read (the sender sees TCP backpressure,
 * as rsyslog and syslog-ng expect) and its records wait in order in `pending`, until the buffer
 * is back under LOW_WATER and `pending` has moved in; so nothing a TCP sender sent is dropped.
 * What one sender can hold is bounded: a frame by `maxMessageBytes` (SyslogFramer), its
 * connections by `maxPerSource` (and all by `maxConnections`), an idle one by `idleTimeoutMs`.
 * When a connection closes, what its framer still holds is its last message, and is stored.
 */

export interface TcpLimits {
  readonly maxMessageBytes: number
  readonly maxConnections: number
  readonly maxPerSource: number
  readonly idleTimeoutMs: number
}

/** Buffer fill (fraction of capacity) at which TCP reading pauses, and below which it resumes. */
const HIGH_WATER = 0.8
const LOW_WATER = 0.5

interface Connection {
  readonly framer: SyslogFramer
  readonly peer: string
  readonly pending: LogRecord[]
  socket: { pause(): void; resume(): void; end(): void } | undefined
  /** When it last sent anything (ms). */
  lastData: number
}

/** What the intake tells the metrics. */
export interface TcpEvents {
  readonly closed: (reason: "limit" | "source_limit" | "idle") => void
  /** Messages a connection's end completed (no LF after them, or cut short inside their octet count). */
  readonly endedByClose: (messages: number) => void
}

export const makeTcpIntake = (toRecord: (frame: Frame, peer: string) => LogRecord | undefined, events: TcpEvents) => {
  const { closed } = events
  const paused = new Set<Connection>()
  const connections = new Set<Connection>()
  const perSource = new Map<string, number>()

  /** Takes a new connection if the limits allow it; the caller closes it otherwise. */
  const admit = (peer: string, limits: TcpLimits) => {
    const fromPeer = perSource.get(peer) ?? 0
    const refusal = connections.size >= limits.maxConnections ? "limit" : fromPeer >= limits.maxPerSource ? "source_limit" : undefined
    if (refusal !== undefined) {
      closed(refusal)
      return false
    }
    perSource.set(peer, fromPeer + 1)
    return true
  }
  const release = (connection: Connection) => {
    connections.delete(connection)
    const left = (perSource.get(connection.peer) ?? 1) - 1
    if (left === 0) perSource.delete(connection.peer)
    else perSource.set(connection.peer, left)
  }

  /** Moves paused connections' records into the buffer; resumes those emptied once it is below LOW_WATER. */
  const refill = (buffer: IngestBuffer) => {
    for (const connection of paused) {
      let moved = 0
      while (moved < connection.pending.length && buffer.offer(connection.pending[moved]!)) moved++
      connection.pending.splice(0, moved)
      if (connection.pending.length > 0) return
      if (buffer.fill() > LOW_WATER) return
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

  const accept = (buffer: IngestBuffer, connection: Connection, frames: ReadonlyArray<Frame>) => {
    for (const frame of frames) {
      const record = toRecord(frame, connection.peer)
      if (record === undefined) continue
      if (connection.pending.length > 0 || !buffer.offer(record)) connection.pending.push(record)
    }
    if (!paused.has(connection) && (connection.pending.length > 0 || buffer.fill() >= HIGH_WATER)) {
      connection.socket?.pause()
      paused.add(connection)
    }
  }

  /** Closes connections silent for `idleMs`, except those we paused (they wait for us). */
  const closeIdle = (idleMs: number) => {
    const silentSince = Date.now() - idleMs
    for (const connection of connections) {
      if (connection.lastData >= silentSince || paused.has(connection)) continue
      closed("idle")
      connection.socket?.end()
    }
  }

  const listen = (host: string, port: number, limits: TcpLimits, buffer: IngestBuffer) =>
    Effect.gen(function* () {
      // Our own sweep, not Bun's socket timeout: that one neither restarts on data nor fires
      // sooner than its few-second tick.
      yield* Effect.acquireRelease(
        Effect.sync(() => setInterval(() => closeIdle(limits.idleTimeoutMs), Math.min(1_000, limits.idleTimeoutMs / 4))),
        (timer) => Effect.sync(() => clearInterval(timer))
      )
      const listener = yield* Effect.acquireRelease(
        Effect.sync(() =>
          Bun.listen<Connection>({
            hostname: host,
            port,
            socket: {
              open(socket) {
                if (!admit(socket.remoteAddress, limits)) {
                  socket.end()
                  return
                }
                socket.data = { framer: new SyslogFramer(limits.maxMessageBytes), peer: socket.remoteAddress, pending: [], socket, lastData: Date.now() }
                connections.add(socket.data)
              },
              data(socket, chunk) {
                if (!socket.data) return
                socket.data.lastData = Date.now()
                accept(buffer, socket.data, socket.data.framer.push(chunk))
              },
              close(socket) {
                // A connection refused in open() has no data and was never counted.
                if (!socket.data) return
                release(socket.data)
                // Records still pending are delivered by the buffer; there is no socket to resume any more.
                socket.data.socket = undefined
                const last = socket.data.framer.end()
                if (last.length > 0) {
                  events.endedByClose(last.length)
                  accept(buffer, socket.data, last)
                }
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
