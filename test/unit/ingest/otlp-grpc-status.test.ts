import { describe, expect, test } from "bun:test"
import { status as Code } from "@grpc/grpc-js"
import protobuf from "protobufjs"
import { Unauthorized } from "../../../src/api/plugins/auth.ts"
import { InvalidInput, PipelineClosed, PipelineSaturated } from "../../../src/domain/errors.ts"
import { InsufficientStorage } from "../../../src/ingest/disk-guard.ts"
import { grpcErrorOf } from "../../../src/ingest/otlp-grpc/status.ts"

const rpc = protobuf.Root.fromJSON({
  nested: {
    Any: { fields: { type_url: { type: "string", id: 1 }, value: { type: "bytes", id: 2 } } },
    Status: { fields: { code: { type: "int32", id: 1 }, message: { type: "string", id: 2 }, details: { rule: "repeated", type: "Any", id: 3 } } },
    Duration: { fields: { seconds: { type: "int64", id: 1 } } },
    RetryInfo: { fields: { retry_delay: { type: "Duration", id: 1 } } }
  }
})

/** The retry delay (s) an exporter reads from `grpc-status-details-bin`, or undefined when there is none. */
const retryDelayOf = (error: ReturnType<typeof grpcErrorOf>) => {
  const [details] = error.metadata?.get("grpc-status-details-bin") ?? []
  if (details === undefined) return undefined
  const status = rpc.lookupType("Status").toObject(rpc.lookupType("Status").decode(details as Buffer)) as any
  expect(status.code).toBe(error.code)
  expect(status.details[0].type_url).toBe("type.googleapis.com/google.rpc.RetryInfo")
  const retry = rpc.lookupType("RetryInfo")
  return (retry.toObject(retry.decode(status.details[0].value), { longs: Number }) as any).retry_delay.seconds as number
}

describe("ingest errors as gRPC statuses", () => {
  test("a saturated pipeline is UNAVAILABLE with its Retry-After as RetryInfo", () => {
    const error = grpcErrorOf(new PipelineSaturated({ retryAfterSeconds: 3 }))
    expect(error.code).toBe(Code.UNAVAILABLE)
    expect(error.details).toContain("saturated")
    expect(retryDelayOf(error)).toBe(3)
  })

  test("shutting down is UNAVAILABLE, retried after a second (another instance may take it)", () => {
    const error = grpcErrorOf(new PipelineClosed())
    expect(error.code).toBe(Code.UNAVAILABLE)
    expect(retryDelayOf(error)).toBe(1)
  })

  test("low disk is RESOURCE_EXHAUSTED with a RetryInfo, so exporters retry it", () => {
    const error = grpcErrorOf(new InsufficientStorage({ message: "only 3 MiB free" }))
    expect(error.code).toBe(Code.RESOURCE_EXHAUSTED)
    expect(retryDelayOf(error)).toBe(60)
  })

  test("client errors carry their message and no retry", () => {
    const unauthenticated = grpcErrorOf(new Unauthorized({ message: "authentication required to ingest" }))
    expect([unauthenticated.code, unauthenticated.details, retryDelayOf(unauthenticated)]).toEqual([
      Code.UNAUTHENTICATED,
      "authentication required to ingest",
      undefined
    ])
    const invalid = grpcErrorOf(new InvalidInput({ field: "request", reason: "is not protobuf" }))
    expect([invalid.code, invalid.details]).toEqual([Code.INVALID_ARGUMENT, "request: is not protobuf"])
  })

  test("an unexpected error is INTERNAL and tells the client nothing of it", () => {
    const error = grpcErrorOf(new Error("secret driver detail"))
    expect([error.code, error.details]).toEqual([Code.INTERNAL, "internal error"])
  })
})
