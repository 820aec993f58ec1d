import type { Socket } from "bun"
import { Effect, Layer } from "effect"
import { makeRunEffect } from "../../api/run-effect.ts"
import type { Config } from "../../config.ts"
import type { FieldMap } from "../../domain/field-mapping.ts"
import type { LogRecord } from "../../domain/log-record.ts"
import { LogBus } from "../../ports/log-bus.ts"
import { configuredFieldMap } from "../field-map.ts"
import { Telemetry, type TelemetryInstruments } from "../../ports/telemetry.ts"
import { ConnectionLimits } from "../connection-limits.ts"
import { decodeForwardMessage, type ForwardMessage } from "./decode.ts"
import { ForwardFramer, MessageTooLarge } from "./framer.ts"
import { ackFor, answerPing, type Handshake, startHandshake } from "./handshake.ts"
import { entryToRecord, makeServiceOfTag } from "./record.ts"

/**
 * The Fluent forward listener (TCP). A connection's messages are handled one at a time, in
 * order: decoded (decode.ts), mapped (record.ts) and published through the bus, which answers
 * once the records are committed; only then is `{ack: chunk}` sent, so a sender in ack mode
 * (Fluent Bit `Require_ack_response`, Fluentd `require_ack_response`) resends what LogFlow did
 * not store. While a message is being handled the socket is not read (TCP backpressure), and a
 * saturated pipeline is retried for up to INGEST_COMMIT_TIMEOUT_MS before the events are given
 * up unacknowledged (counted `failed`). With FLUENT_FORWARD_SHARED_KEY, no event is taken before
 * the handshake (handshake.ts). Bounds: FLUENT_FORWARD_MAX_MESSAGE_BYTES per message (also once
 * inflated), connections in all and per address, and an idle timeout.
 */

export interface ForwardListenerConfig {
  readonly host: string
  readonly port: number
  readonly maxMessageBytes: number
  readonly maxConnections: number
  readonly maxPerSource: number
  readonly idleTimeoutMs: number
  readonly sharedKey: string | undefined
  readonly selfHostname: string
  readonly serviceFromTag: string
  readonly commitTimeoutMs: number
  /** How record keys become record fields (the shared LOG_FIELD_* mapping). */
  readonly fields: FieldMap
  readonly authRequiredElsewhere: boolean
}

interface Connection {
  readonly peer: string
  readonly framer: ForwardFramer
  readonly queue: Uint8Array[]
  readonly handshake: Handshake | undefined
  admitted: boolean
  busy: boolean
  /** Until the socket closes, or LogFlow closes it. */
  open: boolean
  /** LogFlow closed it (a bound, a failed handshake): what it still holds is not taken. */
  refused: boolean
  lastData: number
  socket: Socket<Connection>
}

/** Records and chunks of the messages handled together: one publish, then their acks. */
interface Batch {
  readonly records: LogRecord[]
  readonly chunks: string[]
}

/** Records published at once, at most (messages that arrived together, up to this). */
const BATCH_RECORDS = 10_000

type CloseReason = "limit" | "source_limit" | "idle" | "too_large" | "malformed" | "unauthenticated" | "cut_short"

/** Publishes, retrying while the pipeline is saturated, for at most `deadlineMs`; true once committed. */
const makePublisher = (run: ReturnType<typeof makeRunEffect<LogBus>>, telemetry: TelemetryInstruments, deadlineMs: number) => {
  const count = (result: string, n: number) => n > 0 && telemetry.ingestRecords.inc({ protocol: "forward", result }, n)
  return async (records: ReadonlyArray<LogRecord>): Promise<boolean> => {
    const giveUpAt = Date.now() + deadlineMs
    for (let delay = 50; ; delay = Math.min(delay * 2, 1_000)) {
      try {
        await run(Effect.flatMap(LogBus, (bus) => bus.publish(records)))
        count("accepted", records.length)
        telemetry.logsProcessed.inc(records.length)
        return true
      } catch (e) {
        const saturated = (e as { code?: string }).code === "pipeline_saturated"
        if (!saturated || Date.now() + delay > giveUpAt) {
          count("failed", records.length)
          return false
        }
        await Bun.sleep(delay)
      }
    }
  }
}

export const makeForwardListener = (config: ForwardListenerConfig) =>
  Effect.gen(function* () {
    const telemetry = yield* Telemetry
    const run = makeRunEffect(yield* Effect.runtime<LogBus>())
    const publish = makePublisher(run, telemetry, config.commitTimeoutMs)
    const { fields } = config
    const serviceOfTag = makeServiceOfTag(config.serviceFromTag)
    const limits = new ConnectionLimits(config.maxConnections, config.maxPerSource)
    const connections = new Set<Connection>()
    const rejected = (n: number) => n > 0 && telemetry.ingestRecords.inc({ protocol: "forward", result: "rejected" }, n)
    const close = (connection: Connection, reason: CloseReason) => {
      if (!connection.open) return
      connection.open = false
      connection.refused = true
      telemetry.forwardConnectionsClosed.inc({ reason })
      connection.socket.end()
    }
    const warnRefused = (reason: string, peer: string) =>
      Effect.runFork(Effect.logWarning(`forward: a message from ${peer} was refused: ${reason}`).pipe(Effect.annotateLogs({ module: "forward" })))

    /** The events of one message as records into `batch`, the bad ones counted; its chunk is acknowledged with the batch. */
    const takeEvents = (batch: Batch, message: Extract<ForwardMessage, { kind: "events" }>) => {
      const service = serviceOfTag(message.tag)
      const now = Date.now()
      let bad = message.refused.length
      for (const entry of message.entries) {
        const outcome = entryToRecord(entry, message.tag, service, fields, now)
        if ("record" in outcome) batch.records.push(outcome.record)
        else bad++
      }
      rejected(bad)
      if (message.chunk !== undefined) batch.chunks.push(message.chunk)
    }

    const handle = (connection: Connection, bytes: Uint8Array, batch: Batch) => {
      // Once LogFlow refused the connection, nothing more it sent is taken.
      if (connection.refused) return
      const message = decodeForwardMessage(bytes, config.maxMessageBytes)
      if (message.kind === "heartbeat") return
      if (message.kind === "ping") {
        if (connection.handshake === undefined || connection.admitted) return
        const answer = answerPing(message.fields, connection.handshake, config.sharedKey!, config.selfHostname)
        connection.socket.write(answer.pong)
        if (answer.admitted) connection.admitted = true
        else close(connection, "unauthenticated")
        return
      }
      if (!connection.admitted) return close(connection, "unauthenticated")
      if (message.kind === "events") return takeEvents(batch, message)
      // It will never be a valid message: counted, and acknowledged so that it is not resent forever.
      rejected(1)
      warnRefused(message.reason, connection.peer)
      if (message.chunk !== undefined) batch.chunks.push(message.chunk)
    }

    /**
     * Handles the connection's messages in order, not reading more meanwhile. The messages that
     * arrived together are published together (one commit), then their chunks acknowledged.
     */
    const drain = async (connection: Connection) => {
      connection.busy = true
      connection.socket.pause()
      try {
        while (connection.queue.length > 0) {
          const batch: Batch = { records: [], chunks: [] }
          while (connection.queue.length > 0 && batch.records.length < BATCH_RECORDS) handle(connection, connection.queue.shift()!, batch)
          const stored = batch.records.length === 0 || (await publish(batch.records))
          if (stored && connection.open) for (const chunk of batch.chunks) connection.socket.write(ackFor(chunk))
        }
      } finally {
        connection.busy = false
        if (connection.open) connection.socket.resume()
      }
    }

    const receive = (connection: Connection, chunk: Uint8Array) => {
      connection.lastData = Date.now()
      try {
        connection.queue.push(...connection.framer.push(chunk))
      } catch (e) {
        rejected(1)
        return close(connection, e instanceof MessageTooLarge ? "too_large" : "malformed")
      }
      if (!connection.busy && connection.queue.length > 0) void drain(connection)
    }

    const closeIdle = () => {
      const silentSince = Date.now() - config.idleTimeoutMs
      for (const connection of connections) if (!connection.busy && connection.lastData < silentSince) close(connection, "idle")
    }
    yield* Effect.acquireRelease(
      Effect.sync(() => setInterval(closeIdle, Math.min(1_000, config.idleTimeoutMs / 4))),
      (timer) => Effect.sync(() => clearInterval(timer))
    )

    if (config.sharedKey === undefined && config.authRequiredElsewhere) {
      yield* Effect.logWarning(
        `the forward listener takes events without credentials while HTTP ingest requires them; set FLUENT_FORWARD_SHARED_KEY, or bind FLUENT_FORWARD_HOST (${config.host}) to a network you trust`
      )
    }
    const listener = yield* Effect.acquireRelease(
      Effect.sync(() =>
        Bun.listen<Connection>({
          hostname: config.host,
          port: config.port,
          socket: {
            open(socket) {
              const refusal = limits.admit(socket.remoteAddress)
              if (refusal !== undefined) {
                telemetry.forwardConnectionsClosed.inc({ reason: refusal })
                socket.end()
                return
              }
              const handshake = config.sharedKey === undefined ? undefined : startHandshake()
              socket.data = {
                peer: socket.remoteAddress,
                framer: new ForwardFramer(config.maxMessageBytes),
                queue: [],
                handshake,
                admitted: handshake === undefined,
                busy: false,
                open: true,
                refused: false,
                lastData: Date.now(),
                socket
              }
              connections.add(socket.data)
              if (handshake) socket.write(handshake.helo)
            },
            data(socket, chunk) {
              if (socket.data?.open) receive(socket.data, chunk)
            },
            close(socket) {
              const connection = socket.data
              // A connection refused in open() has no data and was never counted.
              if (!connection) return
              connections.delete(connection)
              limits.release(connection.peer)
              // Messages received whole are still stored; one the sender cut short by closing is not.
              if (connection.open && connection.framer.holding) telemetry.forwardConnectionsClosed.inc({ reason: "cut_short" })
              connection.open = false
            },
            error(_socket, error) {
              Effect.runFork(Effect.logWarning(`forward: TCP connection failed: ${error.message}`))
            }
          }
        })
      ),
      (l) => Effect.sync(() => l.stop(true))
    )
    yield* Effect.logInfo(`Fluent forward listening on tcp://${config.host}:${listener.port}`)
  }).pipe(Effect.annotateLogs({ module: "forward" }))

/** The listener as a layer: nothing at all unless FLUENT_FORWARD_PORT is set. */
export const ForwardListenerLive = (config: Config) =>
  config.FLUENT_FORWARD_PORT === undefined
    ? Layer.empty
    : Layer.scopedDiscard(
        makeForwardListener({
          host: config.FLUENT_FORWARD_HOST,
          port: config.FLUENT_FORWARD_PORT,
          maxMessageBytes: config.FLUENT_FORWARD_MAX_MESSAGE_BYTES,
          maxConnections: config.FLUENT_FORWARD_MAX_CONNECTIONS,
          maxPerSource: config.FLUENT_FORWARD_MAX_PER_SOURCE,
          idleTimeoutMs: config.FLUENT_FORWARD_IDLE_TIMEOUT_MS,
          sharedKey: config.FLUENT_FORWARD_SHARED_KEY,
          selfHostname: config.FLUENT_FORWARD_SELF_HOSTNAME,
          serviceFromTag: config.FLUENT_FORWARD_SERVICE_FROM_TAG,
          commitTimeoutMs: config.INGEST_COMMIT_TIMEOUT_MS,
          fields: configuredFieldMap(config),
          authRequiredElsewhere: config.requireAuthForIngest
        })
      )
