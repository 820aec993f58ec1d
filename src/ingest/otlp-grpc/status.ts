import { Metadata, status as Code, type ServerErrorResponse } from "@grpc/grpc-js"
import protobuf from "protobufjs"
import { isHttpFailure } from "../../api/plugins/errors.ts"

/**
 * LogFlow's ingest errors as gRPC statuses. They carry an HTTP status (what the HTTP routes
 * answer); here each becomes the gRPC code the OTLP specification names for it. Saturation and
 * low disk carry a `google.rpc.RetryInfo` in `grpc-status-details-bin`: an exporter following
 * the specification retries UNAVAILABLE always, and RESOURCE_EXHAUSTED only when the server says
 * when, which it does here.
 */

const CODES: Record<number, Code> = {
  400: Code.INVALID_ARGUMENT,
  401: Code.UNAUTHENTICATED,
  403: Code.PERMISSION_DENIED,
  413: Code.RESOURCE_EXHAUSTED,
  503: Code.UNAVAILABLE,
  507: Code.RESOURCE_EXHAUSTED
}

const loadTypes = () => {
  const root = protobuf.Root.fromJSON({
    nested: {
      google: {
        nested: {
          protobuf: {
            nested: {
              Any: { fields: { type_url: { type: "string", id: 1 }, value: { type: "bytes", id: 2 } } },
              Duration: { fields: { seconds: { type: "int64", id: 1 }, nanos: { type: "int32", id: 2 } } }
            }
          },
          rpc: {
            nested: {
              Status: {
                fields: {
                  code: { type: "int32", id: 1 },
                  message: { type: "string", id: 2 },
                  details: { rule: "repeated", type: "google.protobuf.Any", id: 3 }
                }
              },
              RetryInfo: { fields: { retry_delay: { type: "google.protobuf.Duration", id: 1 } } }
            }
          }
        }
      }
    }
  })
  return { status: root.lookupType("google.rpc.Status"), retryInfo: root.lookupType("google.rpc.RetryInfo") }
}
let types: ReturnType<typeof loadTypes> | undefined
const rpcTypes = () => (types ??= loadTypes())

/** `google.rpc.Status` with one RetryInfo detail, as `grpc-status-details-bin` carries it. */
const statusDetails = (code: Code, message: string, retryAfterSeconds: number): Buffer => {
  const { status, retryInfo } = rpcTypes()
  const delay = retryInfo.encode(retryInfo.fromObject({ retry_delay: { seconds: retryAfterSeconds, nanos: 0 } })).finish()
  const details = [{ type_url: "type.googleapis.com/google.rpc.RetryInfo", value: delay }]
  return Buffer.from(status.encode(status.fromObject({ code, message, details })).finish())
}

/** A gRPC error for what an ingest call threw; anything unexpected is INTERNAL, with no detail. */
export const grpcErrorOf = (error: unknown): ServerErrorResponse => {
  if (!isHttpFailure(error)) return Object.assign(new Error("internal error"), { code: Code.INTERNAL, details: "internal error" })
  const code = CODES[error.status] ?? (error.status >= 500 ? Code.UNAVAILABLE : Code.INVALID_ARGUMENT)
  const message = error.publicMessage ?? error.message
  const metadata = new Metadata()
  const retryAfter = error.retryAfterSeconds ?? (code === Code.UNAVAILABLE ? 1 : undefined)
  if (retryAfter !== undefined && (code === Code.UNAVAILABLE || code === Code.RESOURCE_EXHAUSTED)) {
    metadata.set("grpc-status-details-bin", statusDetails(code, message, retryAfter))
  }
  return Object.assign(new Error(message), { code, details: message, metadata })
}
