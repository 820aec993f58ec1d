import { type sendUnaryData, Server, ServerCredentials, type ServerUnaryCall, type ServiceDefinition } from "@grpc/grpc-js"
import { type AddressInfo, createServer, type Server as NetServer } from "node:net"
import { Effect, Layer } from "effect"
import type { ApiKeys } from "../../accounts/api-keys.ts"
import type { Users } from "../../accounts/users.ts"
import { makeAccessCheck } from "../../api/plugins/auth.ts"
import { makeRunEffect } from "../../api/run-effect.ts"
import type { Config } from "../../config.ts"
import { InvalidInput } from "../../domain/errors.ts"
import type { LogBus } from "../../ports/log-bus.ts"
import { Telemetry, type TelemetryInstruments } from "../../ports/telemetry.ts"
import { ConnectionLimits } from "../connection-limits.ts"
import { makeDiskGuard } from "../disk-guard.ts"
import { MalformedOtlp, type OtlpBatch, otlpResponseOf } from "../otlp/decode.ts"
import { encodeOtlpResponseProtobuf } from "../otlp/proto-types.ts"
import { otlpProtobufToRecords } from "../otlp/wire.ts"
import { publishRecords } from "../request.ts"
import { grpcErrorOf } from "./status.ts"

/**
 * OTLP/gRPC logs receiver: `opentelemetry.proto.collector.logs.v1.LogsService/Export` on
 * OTLP_GRPC_PORT, served by @grpc/grpc-js (Bun's node:http2 server carries it). Each call is
 * what a POST to `/v1/logs` is: the same credentials (`authorization` or `x-api-key` metadata),
 * disk guard, size bound (the message, after gzip), normalisation and `partialSuccess`, and it is
 * answered only once the accepted records are committed. Failures are gRPC statuses (status.ts).
 * Connections are accepted by our own TCP listener, which bounds them (listenTcp).
 * The messages stay bytes through grpc-js, so a malformed one is our INVALID_ARGUMENT naming
 * the problem, read by the same wire decoder as OTLP/HTTP protobuf (otlp/wire.ts).
 */

const EXPORT_PATH = "/opentelemetry.proto.collector.logs.v1.LogsService/Export"
const identity = (bytes: Buffer) => bytes

const SERVICE: ServiceDefinition = {
  Export: {
    path: EXPORT_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity
  }
}

type Services = LogBus | Users | ApiKeys

/** Metadata values as the string headers the auth check reads (binary ones are not credentials). */
const headersOf = (call: ServerUnaryCall<Buffer, Buffer>): Record<string, string | undefined> => {
  const headers: Record<string, string | undefined> = {}
  for (const [key, value] of Object.entries(call.metadata.getMap())) if (typeof value === "string") headers[key] = value
  return headers
}

const makeExport = Effect.fn("OtlpGrpc.makeExport")(function* (config: Config) {
  const telemetry = yield* Telemetry
  const run = makeRunEffect(yield* Effect.runtime<Services>())
  const checkAccess = makeAccessCheck(run, config, telemetry)
  const checkDiskSpace = makeDiskGuard(config.DATA_DIR, config.DISK_MIN_FREE_MB * 1024 * 1024)

  const exportLogs = async (call: ServerUnaryCall<Buffer, Buffer>): Promise<Buffer> => {
    await checkAccess(headersOf(call), "ingest")
    checkDiskSpace()
    let batch: OtlpBatch
    try {
      batch = otlpProtobufToRecords(call.request, Date.now(), config.ATTRIBUTES_PER_RECORD)
    } catch (e) {
      if (e instanceof MalformedOtlp) throw new InvalidInput({ field: "request", reason: e.message })
      throw e
    }
    await publishRecords(run, telemetry, "otlp-grpc", batch.records, batch.rejected)
    return Buffer.from(encodeOtlpResponseProtobuf(otlpResponseOf(batch)))
  }

  return (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
    exportLogs(call).then(
      (response) => callback(null, response),
      (error: unknown) => callback(grpcErrorOf(error))
    )
  }
})

/**
 * Our own TCP listener, which hands each connection it admits to grpc-js (grpc-js bounds calls
 * per connection, not connections): at most OTLP_GRPC_MAX_CONNECTIONS, and
 * OTLP_GRPC_MAX_PER_SOURCE from one address; one more is closed at once and counted.
 */
const listenTcp = (server: Server, config: Config, telemetry: TelemetryInstruments) =>
  Effect.acquireRelease(
    Effect.async<NetServer, Error>((resume) => {
      const injector = server.createConnectionInjector(ServerCredentials.createInsecure())
      const limits = new ConnectionLimits(config.OTLP_GRPC_MAX_CONNECTIONS, config.OTLP_GRPC_MAX_PER_SOURCE)
      const tcp = createServer((socket) => {
        const peer = socket.remoteAddress ?? ""
        const refusal = limits.admit(peer)
        if (refusal !== undefined) {
          telemetry.otlpGrpcConnectionsRefused.inc({ reason: refusal })
          socket.destroy()
          return
        }
        socket.once("close", () => limits.release(peer))
        injector.injectConnection(socket)
      })
      tcp.once("error", (error) =>
        resume(Effect.fail(new Error(`OTLP/gRPC cannot listen on ${config.OTLP_GRPC_HOST}:${config.OTLP_GRPC_PORT}: ${error.message}`)))
      )
      tcp.listen(config.OTLP_GRPC_PORT, config.OTLP_GRPC_HOST, () => resume(Effect.succeed(tcp)))
    }),
    (tcp) => Effect.sync(() => tcp.close())
  )

/** Stops taking calls and lets those in flight finish (they are answered after their commit), for at most 5 s. */
const shutdown = (server: Server) =>
  Effect.async<void>((resume) => server.tryShutdown(() => resume(Effect.void))).pipe(
    Effect.timeoutOption("5 seconds"),
    Effect.ensuring(Effect.sync(() => server.forceShutdown()))
  )

export const makeOtlpGrpcListener = (config: Config) =>
  Effect.gen(function* () {
    const handler = yield* makeExport(config)
    const server = yield* Effect.acquireRelease(
      Effect.sync(
        () =>
          new Server({
            "grpc.max_receive_message_length": config.INGEST_MAX_BODY_BYTES,
            "grpc.max_concurrent_streams": config.OTLP_GRPC_MAX_CONCURRENT_STREAMS,
            "grpc.max_connection_idle_ms": config.OTLP_GRPC_IDLE_TIMEOUT_MS
          })
      ),
      shutdown
    )
    server.addService(SERVICE, { Export: handler })
    // Released before the server: no new connection while the calls in flight finish.
    const tcp = yield* listenTcp(server, config, yield* Telemetry)
    yield* Effect.logInfo(`OTLP/gRPC listening on ${config.OTLP_GRPC_HOST}:${(tcp.address() as AddressInfo).port}`)
  }).pipe(Effect.annotateLogs({ module: "otlp-grpc" }))

/** The listener as a layer; nothing at all when OTLP_GRPC_PORT is 0. */
export const OtlpGrpcListenerLive = (config: Config) =>
  config.OTLP_GRPC_PORT === 0 ? Layer.empty : Layer.scopedDiscard(Effect.orDie(makeOtlpGrpcListener(config)))
