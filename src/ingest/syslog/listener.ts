import { Effect, Layer } from "effect"
import type { Config } from "../../config.ts"
import type { LogRecord } from "../../domain/log-record.ts"
import { normalise } from "../../domain/normalise.ts"
import { type IngestBuffer, IngestBuffers } from "../../ports/ingest-buffer.ts"
import { Telemetry } from "../../ports/telemetry.ts"
import type { Frame } from "./framer.ts"
import { parseSyslog } from "./parse.ts"
import { makeTcpIntake, type TcpLimits } from "./tcp.ts"
import { listenUdp } from "./udp.ts"

/**
 * Syslog listeners (udp.ts, tcp.ts), each on only when its port is set, publishing through the
 * `syslog-ingest` buffer (the IngestBuffer port). Syslog has no acknowledgement a sender waits
 * for, so the socket callbacks never wait: each parsed message is offered to the buffer. TCP
 * senders are slowed down before it is full (tcp.ts); only UDP, which cannot be slowed, loses
 * messages (counted as `ingest_records_total{protocol="syslog",result="dropped"}` and in the
 * buffer's `dropped`). On shutdown the listeners close first, then the buffer drains.
 */

export interface SyslogListenerConfig {
  /** Address the listeners bind. */
  readonly host: string
  /** UDP port (RFC 5426: one message per datagram); undefined: no UDP listener. */
  readonly udpPort: number | undefined
  /** TCP port (RFC 6587: octet counting or LF framing); undefined: no TCP listener. */
  readonly tcpPort: number | undefined
  /** Longest message; longer ones (TCP frames, datagrams) are stored cut, flagged `syslog.truncated` and counted. */
  readonly maxMessageBytes: number
  /** Records, and bytes of messages, the buffer holds before new ones are refused. */
  readonly bufferRecords: number
  readonly bufferBytes: number
  /** Connections at once (in all, and from one address), and how long one may stay silent. */
  readonly tcp: Omit<TcpLimits, "maxMessageBytes">
  /** Attributes one record may carry (structured data can hold any number). */
  readonly maxAttributes: number
  /** Whether HTTP ingest requires credentials: syslog carries none, so say so at start-up. */
  readonly authRequiredElsewhere: boolean
}

export const makeSyslogListeners = (config: SyslogListenerConfig) =>
  Effect.gen(function* () {
    const telemetry = yield* Telemetry
    const count = (result: "rejected" | "dropped", n: number) => {
      if (n > 0) telemetry.ingestRecords.inc({ protocol: "syslog", result }, n)
    }
    const toRecord =
      (transport: "tcp" | "udp") =>
      (frame: Frame, peer: string): LogRecord | undefined => {
        const now = Date.now()
        const raw = parseSyslog(frame.text, now)
        if (frame.truncated) telemetry.syslogMessagesTruncated.inc({ transport })
        const attributes = frame.truncated ? { ...raw.attributes, "syslog.truncated": true } : raw.attributes
        const result = normalise({ ...raw, host: raw.host ?? peer, attributes }, now, undefined, config.maxAttributes)
        if (result.ok) return result.record
        count("rejected", 1)
        return undefined
      }

    const tcp = makeTcpIntake(toRecord("tcp"), {
      closed: (reason) => telemetry.syslogConnectionsClosed.inc({ reason }),
      endedByClose: (messages) => telemetry.syslogMessagesEndedByClose.inc(messages)
    })
    const buffer: IngestBuffer = yield* (yield* IngestBuffers).make({
      name: "syslog-ingest",
      protocol: "syslog",
      capacity: config.bufferRecords,
      maxBytes: config.bufferBytes,
      onRoom: () => tcp.refill(buffer),
      heldOutside: tcp.takeHeld
    })

    if (config.authRequiredElsewhere) {
      yield* Effect.logWarning(
        `syslog listeners take unauthenticated messages (syslog has no credentials) while HTTP ingest requires them; bind SYSLOG_HOST (${config.host}) to a network you trust`
      )
    }
    if (config.udpPort !== undefined) {
      // A datagram that finds the buffer full is dropped and counted.
      const udpRecord = toRecord("udp")
      yield* listenUdp(config.host, config.udpPort, config.maxMessageBytes, (frame, peer) => {
        const record = udpRecord(frame, peer)
        if (record !== undefined && !buffer.offer(record)) {
          buffer.dropped()
          count("dropped", 1)
        }
      })
    }
    if (config.tcpPort !== undefined) yield* tcp.listen(config.host, config.tcpPort, { ...config.tcp, maxMessageBytes: config.maxMessageBytes }, buffer)
  }).pipe(Effect.annotateLogs({ module: "syslog" }))

/** The listeners as a layer: nothing at all unless SYSLOG_UDP_PORT or SYSLOG_TCP_PORT is set. */
export const SyslogListenersLive = (config: Config) =>
  config.SYSLOG_UDP_PORT === undefined && config.SYSLOG_TCP_PORT === undefined
    ? Layer.empty
    : Layer.scopedDiscard(
        makeSyslogListeners({
          host: config.SYSLOG_HOST,
          udpPort: config.SYSLOG_UDP_PORT,
          tcpPort: config.SYSLOG_TCP_PORT,
          maxMessageBytes: config.SYSLOG_MAX_MESSAGE_BYTES,
          bufferRecords: config.SYSLOG_BUFFER_RECORDS,
          bufferBytes: config.SYSLOG_BUFFER_BYTES,
          maxAttributes: config.ATTRIBUTES_PER_RECORD,
          tcp: {
            maxConnections: config.SYSLOG_TCP_MAX_CONNECTIONS,
            maxPerSource: config.SYSLOG_TCP_MAX_PER_SOURCE,
            idleTimeoutMs: config.SYSLOG_TCP_IDLE_TIMEOUT_MS
          },
          authRequiredElsewhere: config.requireAuthForIngest
        })
      )
