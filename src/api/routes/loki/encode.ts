import type { QueryContext } from "../../../query/logql/context.ts"
import type { QueryResult } from "../../../query/logql/evaluate.ts"
import type { Labels } from "../../../query/logql/labels.ts"
import type { LogLine, Stream } from "../../../query/logql/log-query.ts"

/**
 * Query results in Loki's JSON: `{status, warnings?, data: {resultType, result, stats}}`.
 * Streams carry `[nanoseconds as text, line]` pairs, with a third element of structured
 * metadata and parsed labels when the client asked for `categorize-labels`; matrices and
 * vectors carry `[seconds with milliseconds as a number, value as text]`, as Prometheus does.
 */

/** The encoding flag Grafana sends in X-Loki-Response-Encoding-Flags. */
export const CATEGORIZE_LABELS = "categorize-labels"

/** Labels that name the stream; every other label of a line is structured metadata or parsed. */
const STREAM_LABEL_NAMES = new Set(["service_name", "level", "host"])

/** Prometheus' text for a sample value: shortest round-trip decimal, NaN, +Inf, -Inf. */
export const sampleValue = (value: number) =>
  Number.isNaN(value) ? "NaN" : value === Number.POSITIVE_INFINITY ? "+Inf" : value === Number.NEGATIVE_INFINITY ? "-Inf" : String(value)

/** Epoch ms as Prometheus writes a sample time: seconds, with the milliseconds as a fraction. */
export const sampleTime = (ms: number) => ms / 1000

const nanos = (ms: number) => `${ms}000000`

const splitLabels = (line: LogLine) => {
  const stream: Labels = {}
  const structuredMetadata: Labels = {}
  const parsed: Labels = {}
  const recordKeys = new Set(["trace_id", "span_id", "correlation_id", ...Object.keys(line.record.attributes)])
  for (const [name, value] of Object.entries(line.labels)) {
    if (STREAM_LABEL_NAMES.has(name)) stream[name] = value
    else if (recordKeys.has(name)) structuredMetadata[name] = value
    else parsed[name] = value
  }
  return { stream, structuredMetadata, parsed }
}

/**
 * Streams as Loki writes them. Without categorize-labels every label of a line is a stream
 * label (Loki's own behaviour, so lines with different metadata are different streams); with
 * it, the stream is the service, level and host, and the rest rides with each line.
 */
const encodeStreams = (streams: ReadonlyArray<Stream>, categorize: boolean) => {
  if (!categorize) return streams.map((s) => ({ stream: s.labels, values: s.lines.map((l) => [nanos(l.record.timestamp), l.line]) }))
  const out = new Map<string, { stream: Labels; values: unknown[] }>()
  for (const stream of streams) {
    for (const line of stream.lines) {
      const { stream: labels, structuredMetadata, parsed } = splitLabels(line)
      const key = JSON.stringify(Object.entries(labels).sort())
      let entry = out.get(key)
      if (!entry) out.set(key, (entry = { stream: labels, values: [] }))
      const extra = {
        ...(Object.keys(structuredMetadata).length ? { structuredMetadata } : {}),
        ...(Object.keys(parsed).length ? { parsed } : {})
      }
      entry.values.push([nanos(line.record.timestamp), line.line, extra])
    }
  }
  return [...out.values()]
}

const entriesOf = (result: QueryResult) =>
  result.kind === "streams" ? result.streams.reduce((n, s) => n + s.lines.length, 0) : result.kind === "matrix" ? result.series.length : 1

/** Loki's statistics block, filled with what LogFlow measured (the rest are Loki's zeros). */
export const encodeStats = (context: QueryContext, execMs: number, entriesReturned: number) => {
  const seconds = execMs / 1000
  const perSecond = (n: number) => (seconds > 0 ? Math.round(n / seconds) : 0)
  const { scannedBytes, scannedRecords, storeQueries } = context.stats
  const store = {
    totalChunksRef: 0,
    totalChunksDownloaded: 0,
    chunksDownloadTime: 0,
    chunk: { headChunkBytes: 0, headChunkLines: 0, decompressedBytes: scannedBytes, decompressedLines: scannedRecords, compressedBytes: 0, totalDuplicates: 0 }
  }
  return {
    summary: {
      bytesProcessedPerSecond: perSecond(scannedBytes),
      linesProcessedPerSecond: perSecond(scannedRecords),
      totalBytesProcessed: scannedBytes,
      totalLinesProcessed: scannedRecords,
      execTime: seconds,
      queueTime: 0,
      subqueries: storeQueries,
      totalEntriesReturned: entriesReturned,
      splits: 0,
      shards: 0,
      totalPostFilterLines: entriesReturned,
      totalStructuredMetadataBytesProcessed: 0
    },
    querier: { store },
    ingester: { totalReached: 0, totalChunksMatched: 0, totalBatches: 0, totalLinesSent: 0, store }
  }
}

const encodeResult = (result: QueryResult, categorize: boolean) => {
  switch (result.kind) {
    case "streams":
      return { resultType: "streams", result: encodeStreams(result.streams, categorize) }
    case "matrix":
      return {
        resultType: "matrix",
        result: result.series.map((s) => ({ metric: s.labels, values: s.points.map(([t, v]) => [sampleTime(t), sampleValue(v)]) }))
      }
    case "vector":
      return {
        resultType: "vector",
        result: result.samples.map((s) => ({ metric: s.labels, value: [sampleTime(result.time), sampleValue(s.value)] }))
      }
    case "scalar":
      return { resultType: "scalar", result: [sampleTime(result.time), sampleValue(result.value)] }
  }
}

export const encodeQueryResponse = (result: QueryResult, context: QueryContext, execMs: number, categorize: boolean) => {
  const warnings =
    context.stats.truncatedRegexLines > 0
      ? [`${context.stats.truncatedRegexLines} lines were longer than LOGQL_REGEX_MAX_LINE_BYTES; regular expressions read only their start`]
      : []
  const encoded = encodeResult(result, categorize && result.kind === "streams")
  return {
    status: "success",
    ...(warnings.length ? { warnings } : {}),
    data: {
      resultType: encoded.resultType,
      ...(categorize && result.kind === "streams" ? { encodingFlags: [CATEGORIZE_LABELS] } : {}),
      result: encoded.result,
      stats: encodeStats(context, execMs, entriesOf(result))
    }
  }
}
