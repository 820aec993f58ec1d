import type { GeneratedLog } from "../../src/generator/synthesis.ts"
import { Packr } from "msgpackr"
import { compressSync } from "snappy"
import { lokiPushRequestType } from "../../src/ingest/loki/protobuf.ts"
import { otlpRequestType } from "../../src/ingest/otlp/proto-types.ts"

/**
 * The same synthetic records in each ingest protocol's wire format, for `bun run bench ingest
 * --protocol …`: what a shipper of that protocol would send for them.
 */

export const HTTP_PROTOCOLS = ["json", "otlp", "otlp-proto", "bulk", "loki", "loki-proto"] as const
export const PROTOCOLS = [...HTTP_PROTOCOLS, "otlp-grpc", "forward", "syslog"] as const
export type BenchProtocol = (typeof PROTOCOLS)[number]
export type HttpProtocol = (typeof HTTP_PROTOCOLS)[number]

export interface HttpBatch {
  readonly path: string
  readonly contentType: string
  readonly body: string | Uint8Array
}

const SEVERITY_NUMBER = { TRACE: 1, DEBUG: 5, INFO: 9, WARN: 13, ERROR: 17, FATAL: 21 } as const
const SYSLOG_SEVERITY = { TRACE: 7, DEBUG: 7, INFO: 6, WARN: 4, ERROR: 3, FATAL: 2 } as const
const nanos = (iso: string) => `${Date.parse(iso)}000000`
const groupBy = <K>(logs: ReadonlyArray<GeneratedLog>, key: (l: GeneratedLog) => K) => {
  const groups = new Map<K, GeneratedLog[]>()
  for (const log of logs) {
    const k = key(log)
    const group = groups.get(k)
    if (group) group.push(log)
    else groups.set(k, [log])
  }
  return groups
}

const otlpRequest = (logs: ReadonlyArray<GeneratedLog>, ids: (hex: string) => unknown) => ({
  resourceLogs: [...groupBy(logs, (l) => `${l.service}\n${l.host}`).values()].map((group) => ({
    resource: {
      attributes: [
        { key: "service.name", value: { stringValue: group[0]!.service } },
        { key: "host.name", value: { stringValue: group[0]!.host } }
      ]
    },
    scopeLogs: [
      {
        scope: { name: "bench" },
        logRecords: group.map((l) => ({
          timeUnixNano: nanos(l.timestamp),
          severityNumber: SEVERITY_NUMBER[l.level],
          severityText: l.level,
          body: { stringValue: l.message },
          traceId: ids(l.trace_id),
          spanId: ids(l.span_id),
          attributes: Object.entries(l.attributes).map(([key, value]) => ({ key, value: { stringValue: String(value) } }))
        }))
      }
    ]
  }))
})

export const encodeHttpBatch = (protocol: HttpProtocol, logs: ReadonlyArray<GeneratedLog>): HttpBatch => {
  switch (protocol) {
    case "json":
      return { path: "/api/v1/logs", contentType: "application/x-ndjson", body: logs.map((l) => JSON.stringify(l)).join("\n") }
    case "otlp":
      return { path: "/v1/logs", contentType: "application/json", body: JSON.stringify(otlpRequest(logs, (hex) => hex)) }
    case "otlp-proto":
      return { path: "/v1/logs", contentType: "application/x-protobuf", body: encodeOtlpProtobuf(logs) }
    case "bulk":
      return {
        path: "/_bulk",
        contentType: "application/x-ndjson",
        body: logs
          .map(
            (l) =>
              `{"create":{"_index":"bench"}}\n${JSON.stringify({ "@timestamp": l.timestamp, message: l.message, log: { level: l.level }, service: { name: l.service }, host: { name: l.host }, trace: { id: l.trace_id }, span: { id: l.span_id }, labels: l.attributes })}\n`
          )
          .join("")
      }
    case "loki":
      return {
        path: "/loki/api/v1/push",
        contentType: "application/json",
        body: JSON.stringify({
          streams: [...groupBy(logs, (l) => `${l.service}\n${l.level}\n${l.host}`).values()].map((group) => ({
            stream: { service_name: group[0]!.service, level: group[0]!.level, host: group[0]!.host },
            values: group.map((l) => [nanos(l.timestamp), l.message, { trace_id: l.trace_id, span_id: l.span_id, ...l.attributes }])
          }))
        })
      }
    case "loki-proto": {
      const type = lokiPushRequestType()
      const request = {
        streams: [...groupBy(logs, (l) => `${l.service}\n${l.level}\n${l.host}`).values()].map((group) => ({
          labels: `{service_name="${group[0]!.service}", level="${group[0]!.level}", host="${group[0]!.host}"}`,
          entries: group.map((l) => {
            const ms = Date.parse(l.timestamp)
            return {
              timestamp: { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 },
              line: l.message,
              structuredMetadata: Object.entries({ trace_id: l.trace_id, span_id: l.span_id, ...l.attributes }).map(([name, value]) => ({
                name,
                value: String(value)
              }))
            }
          })
        }))
      }
      return {
        path: "/loki/api/v1/push",
        contentType: "application/x-protobuf",
        body: compressSync(Buffer.from(type.encode(type.fromObject(request)).finish()))
      }
    }
  }
}

/** An `ExportLogsServiceRequest` in protobuf, as an OTLP exporter sends it (over HTTP or gRPC). */
export const encodeOtlpProtobuf = (logs: ReadonlyArray<GeneratedLog>): Uint8Array => {
  const type = otlpRequestType()
  return type.encode(type.fromObject(otlpRequest(logs, (hex) => Buffer.from(hex, "hex")))).finish()
}

const packr = new Packr({ useRecords: false })

/** `[EventTime, record]`: EventTime is msgpack ext 0 (fixext 8), seconds and nanoseconds big-endian. */
const forwardEntry = (l: GeneratedLog) => {
  const ms = Date.parse(l.timestamp)
  const time = Buffer.from([0x92, 0xd7, 0x00, 0, 0, 0, 0, 0, 0, 0, 0])
  time.writeUInt32BE(Math.floor(ms / 1000), 3)
  time.writeUInt32BE((ms % 1000) * 1_000_000, 7)
  const record = { log: l.message, level: l.level, host: l.host, trace_id: l.trace_id, span_id: l.span_id, ...l.attributes }
  return Buffer.concat([time, packr.pack(record)])
}

/**
 * One PackedForward message per service, as Fluent Bit's forward output sends a chunk (the tag
 * names the service; `chunk` asks for an acknowledgement once stored).
 */
export const encodeForwardMessages = (logs: ReadonlyArray<GeneratedLog>, chunkPrefix: string): Uint8Array[] =>
  [...groupBy(logs, (l) => l.service).entries()].map(([service, group], i) =>
    packr.pack([service, Buffer.concat(group.map(forwardEntry)), { size: group.length, chunk: `${chunkPrefix}-${i}` }])
  )

/** RFC 5424 messages with octet-counting framing (RFC 6587), as rsyslog or syslog-ng send over TCP. */
export const encodeSyslogFrames = (logs: ReadonlyArray<GeneratedLog>): Uint8Array => {
  const encoder = new TextEncoder()
  return encoder.encode(
    logs
      .map((l) => {
        const sd = `[meta ${Object.entries(l.attributes)
          .map(([k, v]) => `${k}="${v}"`)
          .join(" ")}]`
        const message = encoder.encode(`<${8 + SYSLOG_SEVERITY[l.level]}>1 ${l.timestamp} ${l.host} ${l.service} - - ${sd} ${l.message}`)
        return `${message.byteLength} ${new TextDecoder().decode(message)}`
      })
      .join("")
  )
}

/** How many records an answer says were stored, per protocol. */
export const acceptedIn = async (protocol: HttpProtocol, response: Response, sent: number): Promise<number> => {
  if (!response.ok) return 0
  switch (protocol) {
    case "json":
      return ((await response.json()) as { accepted: number }).accepted
    case "otlp":
      return sent - Number(((await response.json()) as { partialSuccess?: { rejectedLogRecords?: number } }).partialSuccess?.rejectedLogRecords ?? 0)
    case "otlp-proto":
      await response.arrayBuffer()
      return sent
    case "bulk":
      return ((await response.json()) as { items: Array<Record<string, { status: number }>> }).items.filter((i) => Object.values(i)[0]!.status < 300).length
    case "loki":
    case "loki-proto":
      return response.status === 204 ? sent : ((await response.json()) as { accepted: number }).accepted
  }
}
