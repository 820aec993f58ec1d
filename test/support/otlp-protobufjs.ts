import { otlpRequestType } from "../../src/ingest/otlp/proto-types.ts"

/** Encodes an `ExportLogsServiceRequest` (protobufjs `fromObject` shape) with protobufjs from the official .proto files. */
export const encodeOtlpRequest = (request: unknown): Uint8Array => {
  const type = otlpRequestType()
  return type.encode(type.fromObject(request as Record<string, unknown>)).finish()
}

/** protobufjs' decoding of a request, as the plain object `otlpToRecords` reads: the reference for the wire decoder. */
export const decodeWithProtobufjs = (bytes: Uint8Array): unknown => {
  const type = otlpRequestType()
  return type.toObject(type.decode(bytes), { enums: Number, defaults: false })
}
