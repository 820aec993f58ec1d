import { gzipSync } from "node:zlib"
import { describe, expect, test } from "bun:test"
import protobuf from "protobufjs"
import { ROOT_CONTEXT, trace, TraceFlags } from "@opentelemetry/api"
import { SeverityNumber } from "@opentelemetry/api-logs"
import { OTLPLogExporter as OtlpJsonExporter } from "@opentelemetry/exporter-logs-otlp-http"
import { OTLPLogExporter as OtlpProtoExporter } from "@opentelemetry/exporter-logs-otlp-proto"
import { ProtobufLogsSerializer } from "@opentelemetry/otlp-transformer"
import { resourceFromAttributes } from "@opentelemetry/resources"
import { BatchLogRecordProcessor, InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type LogRecordExporter } from "@opentelemetry/sdk-logs"
import { counterValue, createIngestKey, searchLogs } from "../support/ingest.ts"
import { json, useServer } from "../support/server-process.ts"

// Ingest requires credentials here, so the exporters prove they ship through the same auth as /api/v1/logs.
const server = useServer(() => ({ env: { REQUIRE_AUTH_FOR_INGEST: "true", INGEST_MAX_BODY_BYTES: "65536" } }))

const TRACE_ID = "5b8efff798038103d269b633813fc60c"
const SPAN_ID = "eee19b7ec3c1b174"

/** Ships three records in one batch through the OpenTelemetry JS SDK's LoggerProvider and the given exporter. */
const shipWithSdk = async (exporter: LogRecordExporter, service: string) => {
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ "service.name": service, "host.name": "web-7", "deployment.environment": "prod" }),
    processors: [new BatchLogRecordProcessor({ exporter })]
  })
  const logger = provider.getLogger("checkout.payments", "1.2.3")
  const inSpan = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED })
  logger.emit({
    severityNumber: SeverityNumber.ERROR,
    severityText: "ERROR",
    body: "payment failed for order 42",
    attributes: { "order.id": 42, "http.status_code": 502, retried: true },
    timestamp: new Date("2026-11-29T10:00:00.123Z"),
    context: inSpan
  })
  logger.emit({ severityNumber: SeverityNumber.WARN2, body: "slow card authorisation", timestamp: new Date("2026-11-29T10:00:01.000Z") })
  logger.emit({ severityText: "debug", body: { step: "tokenise", ok: true }, timestamp: new Date("2026-11-29T10:00:02.000Z") })
  await provider.forceFlush()
  await provider.shutdown()
}

const expectShipped = async (service: string) => {
  const logs = await searchLogs(server().url, { service })
  expect(logs.map((l) => [l.level, l.message, l.timestamp])).toEqual([
    ["DEBUG", JSON.stringify({ step: "tokenise", ok: true }), "2026-11-29T10:00:02.000Z"],
    ["WARN", "slow card authorisation", "2026-11-29T10:00:01.000Z"],
    ["ERROR", "payment failed for order 42", "2026-11-29T10:00:00.123Z"]
  ])
  const error = logs[2]
  expect(error).toMatchObject({ service, host: "web-7", trace_id: TRACE_ID, span_id: SPAN_ID })
  expect(error.attributes).toMatchObject({
    "order.id": 42,
    "http.status_code": 502,
    retried: true,
    "resource.service.name": service,
    "resource.deployment.environment": "prod",
    "scope.name": "checkout.payments",
    "scope.version": "1.2.3",
    severity_text: "ERROR"
  })
  // Found by the attribute and by the trace, like any other record.
  expect((await searchLogs(server().url, { query: "order.id:42", service })).length).toBe(1)
  expect((await searchLogs(server().url, { trace_id: TRACE_ID, service })).length).toBe(1)
}

const post = (body: BodyInit, headers: Record<string, string>) => fetch(`${server().url}/v1/logs`, { method: "POST", headers, body })

describe("OTLP/HTTP logs from the OpenTelemetry JS SDK", () => {
  test("the SDK's JSON exporter ships records that are searchable with service, level, time, trace and attributes", async () => {
    const key = await createIngestKey(server().url)
    await shipWithSdk(new OtlpJsonExporter({ url: `${server().url}/v1/logs`, headers: { "x-api-key": key } }), "otlp-json-checkout")
    await expectShipped("otlp-json-checkout")
  })

  test("the SDK's protobuf exporter, gzip-compressed, ships the same records", async () => {
    const key = await createIngestKey(server().url)
    await shipWithSdk(
      new OtlpProtoExporter({ url: `${server().url}/v1/logs`, headers: { authorization: `Bearer ${key}` }, compression: "gzip" as never }),
      "otlp-proto-checkout"
    )
    await expectShipped("otlp-proto-checkout")
  })

  test("records that cannot be stored are reported as partial success; the others are stored", async () => {
    const key = await createIngestKey(server().url)
    const request = {
      resourceLogs: [
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: "otlp-partial" } }] },
          scopeLogs: [{ logRecords: [{ timeUnixNano: "1795946400000000000", severityNumber: 9, body: { stringValue: "kept" } }] }]
        },
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: "x".repeat(200) } }] },
          scopeLogs: [{ logRecords: [{ body: { stringValue: "refused" } }] }]
        }
      ]
    }
    const response = await post(gzipSync(JSON.stringify(request)), { "content-type": "application/json", "content-encoding": "gzip", "x-api-key": key })
    expect(response.status).toBe(200)
    const body = await json(response)
    expect(body.partialSuccess.rejectedLogRecords).toBe(1)
    expect(body.partialSuccess.errorMessage).toContain("resourceLogs[1].scopeLogs[0].logRecords[0]: 'service' is longer than 128 characters")
    const kept = await searchLogs(server().url, { service: "otlp-partial" })
    expect(kept.map((l) => [l.message, l.level, l.timestamp])).toEqual([["kept", "INFO", "2026-11-29T10:00:00.000Z"]])
    expect(await counterValue(server().url, "ingest_records_total", { protocol: "otlp", result: "rejected" })).toBeGreaterThanOrEqual(1)
    expect(await counterValue(server().url, "ingest_records_total", { protocol: "otlp", result: "accepted" })).toBeGreaterThanOrEqual(7)
  })

  test("a protobuf partial success is read back by the SDK's own protobuf deserializer", async () => {
    const key = await createIngestKey(server().url)
    // Records made by the SDK and serialized by its protobuf serializer: one resource whose
    // service.name is too long to store, one that is fine.
    const captured = new InMemoryLogRecordExporter()
    for (const service of ["x".repeat(200), "otlp-proto-partial"]) {
      const provider = new LoggerProvider({
        resource: resourceFromAttributes({ "service.name": service }),
        processors: [new SimpleLogRecordProcessor({ exporter: captured })]
      })
      provider
        .getLogger("partial")
        .emit({ severityNumber: SeverityNumber.INFO, body: `from ${service.slice(0, 20)}`, timestamp: new Date("2026-11-29T10:00:00Z") })
      await provider.forceFlush()
    }
    const body = ProtobufLogsSerializer.serializeRequest([...captured.getFinishedLogRecords()])!
    const response = await post(body as BodyInit, { "content-type": "application/x-protobuf", "x-api-key": key })
    expect(response.status).toBe(200)
    const decoded = ProtobufLogsSerializer.deserializeResponse(new Uint8Array(await response.arrayBuffer()))
    expect(Number(decoded.partialSuccess?.rejectedLogRecords)).toBe(1)
    expect(decoded.partialSuccess?.errorMessage).toContain("'service' is longer than 128 characters")
    expect((await searchLogs(server().url, { service: "otlp-proto-partial" })).map((l) => l.message)).toEqual(["from otlp-proto-partial"])
  })

  test("the same auth, body limit and input errors as /api/v1/logs", async () => {
    const key = await createIngestKey(server().url)
    const empty = JSON.stringify({ resourceLogs: [] })
    expect((await post(empty, { "content-type": "application/json" })).status).toBe(401)
    expect((await post(empty, { "content-type": "application/json", "x-api-key": "lf_not-a-real-key" })).status).toBe(401)
    expect((await post(empty, { "content-type": "application/json", "x-api-key": key })).status).toBe(200)
    const unsupported = await post(empty, { "content-type": "text/plain", "x-api-key": key })
    expect(unsupported.status).toBe(415)
    expect((await json(unsupported)).message).toContain("content-type")
    // A protobuf client gets its error as a google.rpc.Status (code 3, INVALID_ARGUMENT).
    const garbage = await post(new Uint8Array([0xff, 0xff, 0xff, 0x0f]), { "content-type": "application/x-protobuf", "x-api-key": key })
    expect(garbage.status).toBe(400)
    expect(garbage.headers.get("content-type")).toBe("application/x-protobuf")
    const rpcStatus = new protobuf.Type("Status").add(new protobuf.Field("code", 1, "int32")).add(new protobuf.Field("message", 2, "string"))
    new protobuf.Root().define("google.rpc").add(rpcStatus)
    const status = rpcStatus.toObject(rpcStatus.decode(new Uint8Array(await garbage.arrayBuffer())))
    expect(status.code).toBe(3)
    expect(status.message).toStartWith("body: is not an OTLP ExportLogsServiceRequest")
    expect((await post("{", { "content-type": "application/json", "x-api-key": key })).status).toBe(400)
    // 64 KiB limit, also after decompression: a small gzip bomb is refused, not inflated.
    expect((await post("x".repeat(70_000), { "content-type": "application/json", "x-api-key": key })).status).toBe(413)
    expect((await post(gzipSync(" ".repeat(1_000_000)), { "content-type": "application/json", "content-encoding": "gzip", "x-api-key": key })).status).toBe(413)
    expect((await post(empty, { "content-type": "application/json", "content-encoding": "br", "x-api-key": key })).status).toBe(400)
  })
})
