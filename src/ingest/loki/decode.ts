import { Data } from "effect"
import { parseLevel } from "../../domain/level.ts"
import type { Level, LogRecord } from "../../domain/log-record.ts"
import { MAX_REPORTED_ERRORS } from "../native/decode.ts"
import { normalise } from "../../domain/normalise.ts"

/**
 * Loki's push API body (JSON: `{"streams":[{"stream":{labels},"values":[[ns, line, {metadata}?]]}]}`)
 * → LogRecords. Labels name the service (`service_name`, `service`, `app`, `application`,
 * `job`, `container`, `component`: the first present), the level (`level`, `detected_level`,
 * `severity`, `lvl`, `log_level`) and the host (`host`, `hostname`, `node_name`); the other
 * labels and each entry's structured metadata become attributes under their own names
 * (`trace_id`/`span_id` in the metadata become the record's). A stream without a service label
 * gets `unknown_service`, as Loki does. An entry that cannot be stored is rejected alone.
 */

const SERVICE_LABELS = ["service_name", "service", "app", "application", "job", "container", "component"]
const LEVEL_LABELS = ["level", "detected_level", "severity", "lvl", "log_level"]
const HOST_LABELS = ["host", "hostname", "node_name"]

export class MalformedLoki extends Data.TaggedError("MalformedLoki")<{ readonly message: string }> {}

export interface LokiBatch {
  readonly records: LogRecord[]
  readonly rejected: number
  /** `line` counts entries from 1 in body order; `path` names the entry as `streams[i].values[j]`. */
  readonly errors: ReadonlyArray<{ readonly line: number; readonly path: string; readonly message: string }>
}

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v)

const first = (labels: Record<string, string>, names: ReadonlyArray<string>): [string, string] | undefined => {
  for (const name of names) if (labels[name] !== undefined && labels[name] !== "") return [name, labels[name]!]
  return undefined
}

/** Nanoseconds since the epoch as decimal text → milliseconds, or undefined when it is not that. */
const nanosToMillis = (v: unknown): number | undefined => {
  if (typeof v !== "string" || !/^\d{1,20}$/.test(v)) return undefined
  return Number(BigInt(v) / 1_000_000n)
}

export const lokiToRecords = (body: unknown, receivedAt: number): LokiBatch => {
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
    const labels: Record<string, string> = {}
    if (isObj(stream.stream)) for (const key in stream.stream) if (typeof stream.stream[key] === "string") labels[key] = stream.stream[key] as string
    const service = first(labels, SERVICE_LABELS)
    const levelLabel = first(labels, LEVEL_LABELS)
    const level: Level | undefined = levelLabel ? parseLevel(levelLabel[1]) : undefined
    const host = first(labels, HOST_LABELS)
    const labelAttributes: Obj = { ...labels }
    for (const used of [service, host, level ? levelLabel : undefined]) if (used) delete labelAttributes[used[0]]

    values.forEach((entry: unknown, j: number) => {
      line++
      const path = `streams[${i}].values[${j}]`
      if (!Array.isArray(entry) || entry.length < 2 || entry.length > 3)
        return reject(path, 'must be ["<unix epoch in nanoseconds>", "<log line>"] with optional structured metadata')
      const timestamp = nanosToMillis(entry[0])
      if (timestamp === undefined) return reject(path, "timestamp must be a string of nanoseconds since the epoch")
      if (typeof entry[1] !== "string") return reject(path, "the log line must be a string")
      const metadata: Obj = isObj(entry[2]) ? { ...entry[2] } : {}
      const traceId = metadata.trace_id
      const spanId = metadata.span_id
      delete metadata.trace_id
      delete metadata.span_id
      const result = normalise(
        {
          service: service?.[1] ?? "unknown_service",
          message: entry[1],
          timestamp,
          ...(level ? { level } : {}),
          ...(host ? { host: host[1] } : {}),
          ...(typeof traceId === "string" ? { trace_id: traceId } : {}),
          ...(typeof spanId === "string" ? { span_id: spanId } : {}),
          attributes: { ...labelAttributes, ...metadata }
        },
        receivedAt
      )
      if (result.ok) records.push(result.record)
      else reject(path, result.error)
    })
  })
  return { records, rejected, errors }
}
