import { describe, expect, test } from "bun:test"
import { credentials, makeGenericClientConstructor, Metadata, type ServiceError, status as GrpcStatus } from "@grpc/grpc-js"
import { ROOT_CONTEXT, trace, TraceFlags } from "@opentelemetry/api"
import { SeverityNumber } from "@opentelemetry/api-logs"
import { ExportResultCode } from "@opentelemetry/core"
import { OTLPLogExporter } from "@opentelemetry/exporter-logs-otlp-grpc"
import { ProtobufLogsSerializer } from "@opentelemetry/otlp-transformer"
import { resourceFromAttributes } from "@opentelemetry/resources"
import { BatchLogRecordProcessor, InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs"
import protobuf from "protobufjs"
import { counterValue, createIngestKey, searchLogs } from "../support/ingest.ts"
import { freePort, useServer } from "../support/server-process.ts"

/**
 * OTLP over gRPC (`LogsService/Export`) driven by the OpenTelemetry JS SDK's own gRPC log
 * exporter, gzip-compressed, through the same API-key auth as OTLP/HTTP; partial success and
 * saturation read by a plain @grpc/grpc-js client, as an exporter sees them.
 */

const grpcPort = freePort()
const server = useServer(() => ({
  env: { REQUIRE_AUTH_FOR_INGEST: "true", OTLP_GRPC_HOST: "127.0.0.1", OTLP_GRPC_PORT: String(grpcPort), INGEST_MAX_BODY_BYTES: "65536" }
}))

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
const SPAN_ID = "00f067aa0ba902b7"
const exporterFor = (port: number, metadata: Record<string, string>) => {
  const md = new Metadata()
  for (const [key, value] of Object.entries(metadata)) md.set(key, value)
  return new OTLPLogExporter({ url: `http://127.0.0.1:${port}`, metadata: md, compression: "gzip" as never })
}

/** Three records as the SDK makes them, for exporters driven by hand. */
const sdkRecords = async (service: string) => {
  const captured = new InMemoryLogRecordExporter()
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ "service.name": service }),
    processors: [new SimpleLogRecordProcessor({ exporter: captured })]
  })
  provider.getLogger("by-hand").emit({ severityNumber: SeverityNumber.INFO, body: `hello from ${service.slice(0, 20)}`, timestamp: new Date() })
  await provider.forceFlush()
  return [...captured.getFinishedLogRecords()]
}

const exportOnce = (exporter: OTLPLogExporter, records: Awaited<ReturnType<typeof sdkRecords>>) =>
  new Promise<{ code: ExportResultCode; error?: Error }>((resolve) => exporter.export(records, resolve))

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
type Outcome = { error: ServiceError | null; response: Buffer | undefined }
/** `calls` Export calls of `body` at once, over one connection of their own (as an exporter multiplexes them). */
const rawExports = (port: number, body: Uint8Array, metadata: Metadata, calls: number, keepOpen = false): Promise<Outcome[]> => {
  const client = new ExportClient(`127.0.0.1:${port}`, credentials.createInsecure(), { "grpc.use_local_subchannel_pool": 1 })
  const exportOne = (client as unknown as { Export: Function }).Export.bind(client)
  const outcomes = Array.from(
    { length: calls },
    () =>
      new Promise<Outcome>((resolve) => exportOne(Buffer.from(body), metadata, (error: ServiceError | null, response?: Buffer) => resolve({ error, response })))
  )
  return Promise.all(outcomes).finally(() => keepOpen || client.close())
}
const rawExport = async (port: number, body: Uint8Array, metadata: Metadata) => (await rawExports(port, body, metadata, 1))[0]!

describe("OTLP/gRPC logs from the OpenTelemetry JS SDK's gRPC exporter", () => {
  test("every record is searchable with its service, level, time, message, host, attributes and trace", async () => {
    const key = await createIngestKey(server().url)
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ "service.name": "grpc-checkout", "host.name": "node-3", "deployment.environment": "prod" }),
      processors: [new BatchLogRecordProcessor({ exporter: exporterFor(grpcPort, { "x-api-key": key }) })]
    })
    const logger = provider.getLogger("checkout.grpc", "2.0.1")
    const inSpan = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED })
    const sentAt = Date.now()
    logger.emit({
      severityNumber: SeverityNumber.ERROR,
      body: "card declined for order 7",
      attributes: { "order.id": 7, retried: false },
      timestamp: new Date(sentAt - 3_000),
      context: inSpan
    })
    logger.emit({ severityNumber: SeverityNumber.WARN, body: "slow issuer", timestamp: new Date(sentAt - 2_000) })
    logger.emit({ severityText: "debug", body: "tokenised", timestamp: new Date(sentAt - 1_000) })
    await provider.forceFlush()
    await provider.shutdown()

    const logs = await searchLogs(server().url, { service: "grpc-checkout" })
    expect(logs.map((l) => [l.level, l.message])).toEqual([
      ["DEBUG", "tokenised"],
      ["WARN", "slow issuer"],
      ["ERROR", "card declined for order 7"]
    ])
    logs.forEach((l, i) => expect(Math.abs(Date.parse(l.timestamp) - (sentAt - (i + 1) * 1_000))).toBeLessThanOrEqual(1_000))
    expect(logs[2]).toMatchObject({ host: "node-3", trace_id: TRACE_ID, span_id: SPAN_ID })
    expect(logs[2].attributes).toMatchObject({
      "order.id": 7,
      retried: false,
      "resource.deployment.environment": "prod",
      "scope.name": "checkout.grpc",
      "scope.version": "2.0.1"
    })
    expect((await searchLogs(server().url, { trace_id: TRACE_ID })).length).toBe(1)
    expect(await counterValue(server().url, "ingest_records_total", { protocol: "otlp-grpc", result: "accepted" })).toBeGreaterThanOrEqual(3)
  })

  test("the same API-key auth as OTLP/HTTP: no key or a bad one is UNAUTHENTICATED, a Bearer key is accepted", async () => {
    const records = await sdkRecords("grpc-auth")
    const none = await exportOnce(exporterFor(grpcPort, {}), records)
    expect(none.code).toBe(ExportResultCode.FAILED)
    expect((none.error as ServiceError).code).toBe(GrpcStatus.UNAUTHENTICATED)
    expect(none.error?.message).toContain("authentication required to ingest")
    const bad = await exportOnce(exporterFor(grpcPort, { "x-api-key": "lf_not-a-real-key" }), records)
    expect((bad.error as ServiceError).code).toBe(GrpcStatus.UNAUTHENTICATED)
    expect(await searchLogs(server().url, { service: "grpc-auth" })).toEqual([])
    const key = await createIngestKey(server().url)
    const good = await exportOnce(exporterFor(grpcPort, { authorization: `Bearer ${key}` }), records)
    expect(good.code).toBe(ExportResultCode.SUCCESS)
    expect((await searchLogs(server().url, { service: "grpc-auth" })).map((l) => l.message)).toEqual(["hello from grpc-auth"])
  })

  test("records that cannot be stored come back as partial success; the others are stored", async () => {
    const key = await createIngestKey(server().url)
    const body = ProtobufLogsSerializer.serializeRequest([...(await sdkRecords("x".repeat(200))), ...(await sdkRecords("grpc-partial"))])!
    const md = new Metadata()
    md.set("x-api-key", key)
    const { error, response } = await rawExport(grpcPort, body, md)
    expect(error).toBeNull()
    const decoded = ProtobufLogsSerializer.deserializeResponse(new Uint8Array(response!))
    expect(Number(decoded.partialSuccess?.rejectedLogRecords)).toBe(1)
    expect(decoded.partialSuccess?.errorMessage).toContain("'service' is longer than 128 characters")
    expect((await searchLogs(server().url, { service: "grpc-partial" })).map((l) => l.message)).toEqual(["hello from grpc-partial"])
    expect(await counterValue(server().url, "ingest_records_total", { protocol: "otlp-grpc", result: "rejected" })).toBeGreaterThanOrEqual(1)
  })

  test("a malformed message is INVALID_ARGUMENT naming the problem; one over INGEST_MAX_BODY_BYTES is RESOURCE_EXHAUSTED", async () => {
    const key = await createIngestKey(server().url)
    const md = new Metadata()
    md.set("x-api-key", key)
    const garbage = await rawExport(grpcPort, new Uint8Array([0xff, 0xff, 0xff, 0x0f]), md)
    expect(garbage.error?.code).toBe(GrpcStatus.INVALID_ARGUMENT)
    expect(garbage.error?.details).toStartWith("request: is not an OTLP ExportLogsServiceRequest")
    const huge = await rawExport(grpcPort, new Uint8Array(70_000), md)
    expect(huge.error?.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED)
  })
})

describe("OTLP/gRPC when LogFlow cannot take records", () => {
  // Less free disk than this (DISK_MIN_FREE_MB) on any machine: ingest is refused, as when the disk fills up.
  const port = freePort()
  const full = useServer(() => ({
    env: { OTLP_GRPC_HOST: "127.0.0.1", OTLP_GRPC_PORT: String(port), DISK_MIN_FREE_MB: "10000000", OTLP_GRPC_MAX_PER_SOURCE: "1" }
  }))

  test("low disk answers RESOURCE_EXHAUSTED with a RetryInfo (which exporters retry after), and stores nothing", async () => {
    const body = ProtobufLogsSerializer.serializeRequest(await sdkRecords("grpc-disk-full"))!
    const { error } = await rawExport(port, body, new Metadata())
    expect(error?.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED)
    expect(error?.details).toContain("free in the data directory")
    const rpc = protobuf.Root.fromJSON({
      nested: {
        Any: { fields: { type_url: { type: "string", id: 1 }, value: { type: "bytes", id: 2 } } },
        Status: { fields: { code: { type: "int32", id: 1 }, message: { type: "string", id: 2 }, details: { rule: "repeated", type: "Any", id: 3 } } },
        Duration: { fields: { seconds: { type: "int64", id: 1 } } },
        RetryInfo: { fields: { retry_delay: { type: "Duration", id: 1 } } }
      }
    })
    const status = rpc.lookupType("Status")
    const retryInfo = rpc.lookupType("RetryInfo")
    const details = status.toObject(status.decode(error!.metadata.get("grpc-status-details-bin")[0] as Buffer)) as any
    expect(details.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED)
    expect(details.details[0].type_url).toBe("type.googleapis.com/google.rpc.RetryInfo")
    expect((retryInfo.toObject(retryInfo.decode(details.details[0].value), { longs: Number }) as any).retry_delay.seconds).toBe(60)
    expect(await searchLogs(full().url, { service: "grpc-disk-full" })).toEqual([])
  })

  test("connections past OTLP_GRPC_MAX_PER_SOURCE are closed at once, counted", async () => {
    const body = ProtobufLogsSerializer.serializeRequest(await sdkRecords("grpc-limit"))!
    // The first connection stays open; a second one from the same address is refused.
    await rawExports(port, body, new Metadata(), 1, true)
    const [second] = await rawExports(port, body, new Metadata(), 1)
    expect(second!.error?.code).toBe(GrpcStatus.UNAVAILABLE)
    expect(await counterValue(full().url, "otlp_grpc_connections_refused_total", { reason: "source_limit" })).toBeGreaterThanOrEqual(1)
  })
})
