import { gunzipSync, inflateSync } from "node:zlib"
import { Data, Effect } from "effect"
import { InvalidInput } from "../domain/errors.ts"
import type { LogRecord } from "../domain/log-record.ts"
import { LogBus } from "../ports/log-bus.ts"
import type { TelemetryInstruments } from "../ports/telemetry.ts"
import type { RunEffect } from "../api/run-effect.ts"

/**
 * What every acknowledged ingest protocol (OTLP over HTTP and gRPC, `_bulk`, Loki push, Fluent forward) shares with `POST /api/v1/logs`:
 * the body limit (also after decompression, so a small gzip bomb is a 413 and not a full
 * memory), and publishing through the bus, which answers only once the records are committed
 * (or fails with 503 + Retry-After when the pipeline is saturated).
 */

export class PayloadTooLarge extends Data.TaggedError("PayloadTooLarge")<{ readonly message: string }> {
  readonly status = 413
  readonly code = "payload_too_large"
}

export class UnsupportedMediaType extends Data.TaggedError("UnsupportedMediaType")<{ readonly message: string }> {
  readonly status = 415
  readonly code = "unsupported_media_type"
}

/** Protocol labels of `ingest_records_total`. */
export type IngestProtocol = "json" | "otlp" | "otlp-grpc" | "bulk" | "syslog" | "loki" | "forward"

const tooLarge = (maxBytes: number) => new PayloadTooLarge({ message: `request body is larger than ${maxBytes} bytes; split the batch` })

/**
 * The raw body, read chunk by chunk so that a body without Content-Length (chunked) is refused
 * as soon as it passes `maxBytes`, before it is all in memory.
 */
const readAtMost = async (request: Request, maxBytes: number): Promise<Uint8Array> => {
  if (request.body === null) return new Uint8Array(0)
  const chunks: Uint8Array[] = []
  let total = 0
  for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength
    if (total > maxBytes) throw tooLarge(maxBytes)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks, total)
}

const encodingOf = (request: Request) => (request.headers.get("content-encoding") ?? "identity").trim().toLowerCase()
const isIdentity = (encoding: string) => encoding === "identity" || encoding === ""

/** The declared Content-Length, refused past `maxBytes`; undefined when the body is chunked. */
const declaredLength = (request: Request, maxBytes: number): number | undefined => {
  const header = request.headers.get("content-length")
  if (header === null) return undefined
  const declared = Number(header)
  if (declared > maxBytes) throw tooLarge(maxBytes)
  return declared
}

/** The request body as bytes, decompressed per Content-Encoding (gzip, deflate or none), at most `maxBytes`. */
export const readBody = async (request: Request, maxBytes: number): Promise<Uint8Array> => {
  declaredLength(request, maxBytes)
  const raw = await readAtMost(request, maxBytes)
  const encoding = encodingOf(request)
  if (isIdentity(encoding)) return raw
  if (encoding !== "gzip" && encoding !== "deflate") {
    throw new InvalidInput({ field: "content-encoding", reason: `'${encoding.slice(0, 40)}' is not supported; send gzip, deflate or no encoding` })
  }
  try {
    return (encoding === "gzip" ? gunzipSync : inflateSync)(raw, { maxOutputLength: maxBytes })
  } catch (e) {
    if ((e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") throw tooLarge(maxBytes)
    throw new InvalidInput({ field: "body", reason: `is not valid ${encoding} data` })
  }
}

const utf8 = new TextDecoder()

/**
 * The request body as text (UTF-8), decompressed as readBody does. An uncompressed body of a
 * declared length is read in one piece by the server, which holds it to that length: no
 * chunks to gather and join.
 */
export const readText = async (request: Request, maxBytes: number): Promise<string> => {
  if (declaredLength(request, maxBytes) !== undefined && isIdentity(encodingOf(request))) return request.text()
  return utf8.decode(await readBody(request, maxBytes))
}

/** Publishes accepted records and counts both outcomes; resolves once the records are committed. */
export const publishRecords = async (
  run: RunEffect<LogBus>,
  telemetry: TelemetryInstruments,
  protocol: IngestProtocol,
  records: ReadonlyArray<LogRecord>,
  rejected: number
): Promise<void> => {
  if (rejected > 0) telemetry.ingestRecords.inc({ protocol, result: "rejected" }, rejected)
  if (records.length === 0) return
  try {
    await run(Effect.flatMap(LogBus, (bus) => bus.publish(records)))
  } catch (e) {
    telemetry.ingestRecords.inc({ protocol, result: "failed" }, records.length)
    throw e
  }
  telemetry.ingestRecords.inc({ protocol, result: "accepted" }, records.length)
  telemetry.logsProcessed.inc(records.length)
}
