import { Data } from "effect"
import { DEFAULT_FIELD_MAP, type FieldMap, fieldMap, type MappedDocument, mapDocument, remainingFields } from "../../domain/field-mapping.ts"
import type { LogRecord } from "../../domain/log-record.ts"
import { MAX_REPORTED_ERRORS } from "../native/decode.ts"
import { LIMITS, normalise } from "../../domain/normalise.ts"

/**
 * Loki's push API body (JSON: `{"streams":[{"stream":{labels},"values":[[ns, line, {metadata}?]]}]}`)
 * → LogRecords, by the shared field mapping (`LOG_FIELD_*`). Label names cannot hold dots, so
 * stream labels and structured metadata are looked up under the mapping's keys with dots as
 * underscores (`service.name` → `service_name`, `log.level` → `log_level`), then under Loki's own
 * (`application`, `job`, `container`, `component` for the service; `lvl` for the level;
 * `node_name` for the host). A line that is a JSON object is mapped as a document too (its
 * `msg` becomes the message, its other keys attributes). Per field the entry's structured
 * metadata wins over the stream's labels, and both over the line's own keys; the time is the
 * entry's. What is not mapped becomes attributes under its own name. A stream without a service
 * gets `unknown_service`, as Loki does; an unknown level is kept as an attribute. An entry that
 * cannot be stored is rejected alone.
 */

const LOKI_NAMES = { service: ["application", "job", "container", "component"], level: ["lvl"], host: ["node_name"] } as const

export class MalformedLoki extends Data.TaggedError("MalformedLoki")<{ readonly message: string }> {}

export interface LokiBatch {
  readonly records: LogRecord[]
  readonly rejected: number
  /** `line` counts entries from 1 in body order; `path` names the entry as `streams[i].values[j]`. */
  readonly errors: ReadonlyArray<{ readonly line: number; readonly path: string; readonly message: string }>
}

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v)

const labelName = (key: string) => key.replace(/[^A-Za-z0-9_]/g, "_")
const labelMaps = new WeakMap<FieldMap, FieldMap>()
/** The mapping's keys as label names, then Loki's own names. */
const labelMapOf = (fields: FieldMap): FieldMap => {
  let labels = labelMaps.get(fields)
  if (!labels) {
    const { lists } = fields
    const names = (list: ReadonlyArray<string>, own: ReadonlyArray<string> = []) => [...new Set([...list.map(labelName), ...own])]
    labels = fieldMap({
      timestamp: [],
      message: [],
      level: names(lists.level, LOKI_NAMES.level),
      service: names(lists.service, LOKI_NAMES.service),
      host: names(lists.host, LOKI_NAMES.host),
      trace_id: names(lists.trace_id),
      span_id: names(lists.span_id)
    })
    labelMaps.set(fields, labels)
  }
  return labels
}

/** Nanoseconds since the epoch as decimal text → milliseconds, or undefined when it is not that. */
const nanosToMillis = (v: unknown): number | undefined => {
  if (typeof v !== "string" || !/^\d{1,20}$/.test(v)) return undefined
  return Number(BigInt(v) / 1_000_000n)
}

/** A line that is a JSON object, parsed; undefined for any other line. */
const jsonLine = (line: string): Obj | undefined => {
  if (line.charCodeAt(0) !== 123 /* { */) return undefined
  try {
    const value: unknown = JSON.parse(line)
    return isObj(value) ? value : undefined
  } catch {
    return undefined
  }
}

/** The attributes of a flat label set: every label but those the mapping took. */
const untaken = (labels: Obj, mapped: MappedDocument): Obj => {
  const rest: Obj = {}
  for (const key in labels) if (!mapped.taken.includes(key)) rest[key] = labels[key]
  return rest
}

type Sourced = Pick<MappedDocument, "level" | "service" | "host" | "trace_id" | "span_id">
const FIELDS = ["level", "service", "host", "trace_id", "span_id"] as const

/** One entry as the record to normalise: metadata over labels over the line, per field. */
const entryRecord = (timestamp: number, line: string, metadata: Obj, stream: { labels: Obj; mapped: MappedDocument }, fields: FieldMap) => {
  const metaMapped = mapDocument(metadata, labelMapOf(fields))
  const doc = jsonLine(line)
  const lineMapped = doc ? mapDocument(doc, fields) : undefined
  const picked: { -readonly [K in keyof Sourced]?: Sourced[K] } = {}
  for (const field of FIELDS) {
    const value = metaMapped[field] ?? stream.mapped[field] ?? lineMapped?.[field]
    if (value !== undefined) picked[field] = value as never
  }
  const lineMessage = lineMapped?.message
  return {
    service: picked.service ?? "unknown_service",
    message: lineMessage === undefined ? line : typeof lineMessage === "string" ? lineMessage : JSON.stringify(lineMessage),
    timestamp,
    ...picked,
    attributes: {
      ...(doc && lineMapped ? remainingFields(doc, lineMapped.taken) : {}),
      ...stream.labels,
      ...untaken(metadata, metaMapped)
    }
  }
}

export const lokiToRecords = (
  body: unknown,
  receivedAt: number,
  fields: FieldMap = DEFAULT_FIELD_MAP,
  maxAttributes: number = LIMITS.attributeCount
): LokiBatch => {
  if (!isObj(body) || !Array.isArray(body.streams)) throw new MalformedLoki({ message: "must be an object with a 'streams' array" })
  const records: LogRecord[] = []
  const errors: Array<{ line: number; path: string; message: string }> = []
  let rejected = 0
  let line = 0
  body.streams.forEach((stream: unknown, i: number) => {
    const reject = (path: string, message: string) => {
      rejected++
      if (errors.length < MAX_REPORTED_ERRORS) errors.push({ line, path, message })
    }
    const values = isObj(stream) && Array.isArray(stream.values) ? stream.values : undefined
    if (!isObj(stream) || values === undefined) {
      line++
      return reject(`streams[${i}]`, "must be an object with 'stream' labels and a 'values' array")
    }
    const labels: Obj = {}
    if (isObj(stream.stream)) for (const key in stream.stream) if (typeof stream.stream[key] === "string") labels[key] = stream.stream[key]
    const mapped = mapDocument(labels, labelMapOf(fields))
    const streamLabels = { labels: untaken(labels, mapped), mapped }

    values.forEach((entry: unknown, j: number) => {
      line++
      const path = `streams[${i}].values[${j}]`
      if (!Array.isArray(entry) || entry.length < 2 || entry.length > 3)
        return reject(path, 'must be ["<unix epoch in nanoseconds>", "<log line>"] with optional structured metadata')
      const timestamp = nanosToMillis(entry[0])
      if (timestamp === undefined) return reject(path, "timestamp must be a string of nanoseconds since the epoch")
      if (typeof entry[1] !== "string") return reject(path, "the log line must be a string")
      const result = normalise(entryRecord(timestamp, entry[1], isObj(entry[2]) ? entry[2] : {}, streamLabels, fields), receivedAt, undefined, maxAttributes)
      if (result.ok) records.push(result.record)
      else reject(path, result.error)
    })
  })
  return { records, rejected, errors }
}
