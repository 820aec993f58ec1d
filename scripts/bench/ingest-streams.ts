import { credentials, makeGenericClientConstructor, type ServiceError } from "@grpc/grpc-js"
import { Unpackr } from "msgpackr"
import type { GeneratedLog } from "../../src/generator/synthesis.ts"
import { encodeForwardMessages, encodeOtlpProtobuf } from "./protocol-encoders.ts"

/**
 * The ingest benchmark's clients for the protocols that are not one HTTP request per batch:
 * OTLP/gRPC (`concurrency` connections, one Export call in flight on each, as the HTTP
 * protocols' `concurrency` requests each have a connection of their own; over one connection
 * Bun's HTTP/2 server moved about half as much) and Fluent forward (`concurrency` TCP connections, each sending a batch as PackedForward
 * chunks and waiting for their acks, as Fluent Bit with `Require_ack_response` does). A record
 * counts once its call was answered, or its chunk acknowledged: both mean committed.
 */

export interface StreamBenchOptions {
  readonly records: number
  readonly batch: number
  readonly concurrency: number
}

export interface StreamFigure {
  readonly accepted: number
  readonly seconds: number
  readonly bytes: number
  readonly failures: number
}

const ExportClient = makeGenericClientConstructor(
  {
    Export: {
      path: "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
      requestStream: false,
      responseStream: false,
      requestSerialize: (b: Buffer) => b,
      requestDeserialize: (b: Buffer) => b,
      responseSerialize: (b: Buffer) => b,
      responseDeserialize: (b: Buffer) => b
    }
  },
  "LogsService"
)

export const benchOtlpGrpc = async (batches: ReadonlyArray<ReadonlyArray<GeneratedLog>>, options: StreamBenchOptions, port: number): Promise<StreamFigure> => {
  const bodies = batches.map((logs) => Buffer.from(encodeOtlpProtobuf(logs)))
  const clients = Array.from(
    { length: options.concurrency },
    () => new ExportClient(`127.0.0.1:${port}`, credentials.createInsecure(), { "grpc.max_send_message_length": -1 })
  ) as unknown as Array<{
    Export: (body: Buffer, callback: (error: ServiceError | null) => void) => void
    close: () => void
  }>
  let next = 0
  let accepted = 0
  let failures = 0
  let bytes = 0
  const started = performance.now()
  const caller = async (client: (typeof clients)[number]) => {
    while (next * options.batch < options.records) {
      const body = bodies[next++ % bodies.length]!
      const error = await new Promise<ServiceError | null>((resolve) => client.Export(body, resolve))
      if (error) failures++
      else accepted += options.batch
      bytes += body.byteLength
    }
  }
  await Promise.all(clients.map(caller))
  for (const client of clients) client.close()
  return { accepted, seconds: (performance.now() - started) / 1000, bytes, failures }
}

/** One forward connection: sends a batch's chunks, waits for each one's ack, then the next batch. */
const forwardConnection = async (port: number, onAck: (chunk: string) => void) => {
  const unpackr = new Unpackr({ useRecords: false })
  let pending = Buffer.alloc(0)
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(_socket, chunk) {
        pending = Buffer.concat([pending, chunk])
        // Acks are small maps; a read may end inside one.
        try {
          unpackr.unpackMultiple(pending, (ack: { ack?: string }) => {
            if (typeof ack?.ack === "string") onAck(ack.ack)
          })
          pending = Buffer.alloc(0)
        } catch (e) {
          if (!(e as { incomplete?: boolean }).incomplete) throw e
        }
      }
    }
  })
  return socket
}

export const benchForward = async (batches: ReadonlyArray<ReadonlyArray<GeneratedLog>>, options: StreamBenchOptions, port: number): Promise<StreamFigure> => {
  const chunked = batches.map((logs, b) => ({ messages: encodeForwardMessages(logs, `b${b}`), size: logs.length }))
  let next = 0
  let accepted = 0
  let bytes = 0
  const started = performance.now()
  const connection = async () => {
    const waiting = new Map<string, () => void>()
    const socket = await forwardConnection(port, (chunk) => waiting.get(chunk)?.())
    while (next * options.batch < options.records) {
      const { messages, size } = chunked[next++ % chunked.length]!
      const acked = messages.map((_, i) => new Promise<void>((resolve) => waiting.set(`b${(next - 1) % chunked.length}-${i}`, resolve)))
      for (const message of messages) {
        socket.write(message)
        bytes += message.byteLength
      }
      await Promise.all(acked)
      accepted += size
    }
    socket.end()
  }
  await Promise.all(Array.from({ length: options.concurrency }, connection))
  return { accepted, seconds: (performance.now() - started) / 1000, bytes, failures: 0 }
}
