import { join } from "node:path"
import protobuf from "protobufjs"
import type { OtlpResponse } from "./decode.ts"

/**
 * The OTLP message types, loaded by protobufjs from the official .proto files (opentelemetry-proto,
 * vendored under `proto/`): they encode the answers (`ExportLogsServiceResponse`, and the
 * `google.rpc.Status` of OTLP/HTTP errors). Requests are not decoded with them (wire.ts reads
 * those); benchmarks and tests encode requests with `otlpRequestType`, and the tests check
 * wire.ts against protobufjs' decoding of the same bytes.
 */

const PROTO_DIR = join(import.meta.dir, "proto")

const loadTypes = () => {
  const root = new protobuf.Root()
  root.resolvePath = (_origin, target) => join(PROTO_DIR, target)
  root.loadSync("opentelemetry/proto/collector/logs/v1/logs_service.proto")
  // google.rpc.Status, the body of OTLP error responses (its `details` are never sent here).
  const status = new protobuf.Type("Status").add(new protobuf.Field("code", 1, "int32")).add(new protobuf.Field("message", 2, "string"))
  root.define("google.rpc").add(status)
  return {
    request: root.lookupType("opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest"),
    response: root.lookupType("opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse"),
    status: root.lookupType("google.rpc.Status")
  }
}
let types: ReturnType<typeof loadTypes> | undefined
const protoTypes = () => (types ??= loadTypes())

/** The protobuf type of `ExportLogsServiceRequest`, for benchmarks and tests that encode requests. */
export const otlpRequestType = () => protoTypes().request

/** An everything-accepted answer is empty: encoded once. */
const EMPTY = new Uint8Array(0)

export const encodeOtlpResponseProtobuf = (response: OtlpResponse): Uint8Array => {
  if (response.partialSuccess === undefined) return EMPTY
  const type = protoTypes().response
  return type.encode(type.fromObject(response)).finish()
}

/** gRPC status codes for the HTTP statuses ingest answers with (OTLP/HTTP error bodies carry them). */
const GRPC_CODES: Record<number, number> = { 400: 3, 401: 16, 403: 7, 413: 3, 415: 3, 429: 8, 503: 14, 507: 8 }

/** An OTLP/HTTP error body for protobuf clients: a `google.rpc.Status`. */
export const encodeOtlpStatusProtobuf = (httpStatus: number, message: string): Uint8Array => {
  const type = protoTypes().status
  return type.encode(type.fromObject({ code: GRPC_CODES[httpStatus] ?? 13, message })).finish()
}
