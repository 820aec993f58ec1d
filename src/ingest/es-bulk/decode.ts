import { Data } from "effect"
import { parseLevel } from "../../domain/level.ts"
import type { LogRecord } from "../../domain/log-record.ts"
import { nestsDeeperThan } from "../../domain/json-depth.ts"
import { LIMITS, normalise, parseTimestamp } from "../../domain/normalise.ts"
import { ulidTime } from "../../domain/ulid.ts"

/**
 * The Elasticsearch `_bulk` body (NDJSON action/source pairs) → LogRecords, one outcome per
 * action in order, so the response can say per item what failed and a shipper resends only that.
 * `index` and `create` are stored; `update` and `delete` are answered as failed items (logs are
 * append-only here). A malformed action line fails the whole request, as in Elasticsearch,
 * because the lines after it can no longer be paired.
 *
 * Document fields are looked up by configurable candidate names (ECS first, then syslog-ng's
 * `elasticsearch-http()` defaults), nested (`{"log":{"level":…}}`) or dotted (`"log.level"`).
 * Everything not mapped to a record field is kept as a (flattened) attribute.
 */

export interface BulkFieldMap {
  readonly timestamp: ReadonlyArray<string>
  readonly message: ReadonlyArray<string>
  readonly level: ReadonlyArray<string>
  readonly service: ReadonlyArray<string>
  readonly host: ReadonlyArray<string>
}

export type BulkAction = "index" | "create" | "update" | "delete"
const ACTIONS: ReadonlySet<string> = new Set(["index", "create", "update", "delete"])

export interface BulkError {
  readonly type: string
  readonly reason: string
}

/** One action's outcome: the record to store (`record`), or why it was refused (`error`). */
export interface BulkItem {
  readonly action: BulkAction
  readonly index: string
  readonly id: string | undefined
  readonly record?: LogRecord
  readonly error?: BulkError
}

export class MalformedBulk extends Data.TaggedError("MalformedBulk")<{ readonly message: string }> {}

type Flat = Map<string, unknown>
const FLATTEN_DEPTH = 8
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v)

/** `{"log":{"level":"x"}}` and `{"log.level":"x"}` both become `log.level → x`; too-deep objects stay JSON text. */
const flatten = (source: Record<string, unknown>): Flat => {
  const out: Flat = new Map()
  const walk = (prefix: string, value: unknown, depth: number) => {
    if (isObj(value) && depth < FLATTEN_DEPTH) {
      for (const key in value) walk(prefix === "" ? key : `${prefix}.${key}`, value[key], depth + 1)
    } else if (value !== null && value !== undefined) out.set(prefix, isObj(value) ? JSON.stringify(value) : value)
  }
  walk("", source, 0)
  return out
}

/** The first candidate present; it is taken out of `flat` so it is not also kept as an attribute. */
const take = (flat: Flat, candidates: ReadonlyArray<string>): unknown => {
  for (const key of candidates) {
    const value = flat.get(key)
    if (value !== undefined) {
      flat.delete(key)
      return value
    }
  }
  return undefined
}
const peek = (flat: Flat, candidates: ReadonlyArray<string>): [string, unknown] | undefined => {
  for (const key of candidates) if (flat.has(key)) return [key, flat.get(key)]
  return undefined
}

const mapperError = (reason: string): BulkError => ({ type: "mapper_parsing_exception", reason })

const toRecord = (source: unknown, index: string, id: string | undefined, fields: BulkFieldMap, receivedAt: number): LogRecord | BulkError => {
  if (!isObj(source)) return mapperError("the document must be a JSON object")
  if (nestsDeeperThan(source, LIMITS.jsonDepth)) return mapperError(`the document is nested deeper than ${LIMITS.jsonDepth} levels`)
  const flat = flatten(source)
  const rawTimestamp = take(flat, fields.timestamp)
  let timestamp: number | undefined
  if (rawTimestamp !== undefined) {
    timestamp = parseTimestamp(rawTimestamp)
    if (timestamp === undefined)
      return mapperError(`failed to parse field [${fields.timestamp[0]}]: ${JSON.stringify(rawTimestamp).slice(0, 60)} is not an ISO-8601 date or epoch number`)
  }
  // A level we do not know (say a custom "audit") is kept as an attribute instead of refusing the document.
  const levelField = peek(flat, fields.level)
  const level = typeof levelField?.[1] === "string" ? parseLevel(levelField[1]) : undefined
  if (level !== undefined) flat.delete(levelField![0])
  const service = take(flat, fields.service)
  const host = take(flat, fields.host)
  const message = take(flat, fields.message)
  const traceId = take(flat, ["trace.id", "trace_id"])
  const spanId = take(flat, ["span.id", "span_id"])
  const attributes: Record<string, unknown> = { "es.index": index }
  if (id !== undefined && ulidTime(id) === undefined) attributes["es.id"] = id
  for (const [key, value] of flat) attributes[key] = value
  const result = normalise(
    {
      ...(id !== undefined && ulidTime(id) !== undefined ? { id } : {}),
      service: typeof service === "string" && service !== "" ? service : index,
      message: message === undefined ? JSON.stringify(source) : typeof message === "string" ? message : JSON.stringify(message),
      ...(level ? { level } : {}),
      ...(timestamp !== undefined ? { timestamp } : {}),
      ...(typeof host === "string" && host !== "" ? { host } : {}),
      ...(typeof traceId === "string" ? { trace_id: traceId } : {}),
      ...(typeof spanId === "string" ? { span_id: spanId } : {}),
      attributes
    },
    receivedAt
  )
  return result.ok ? result.record : mapperError(result.error)
}

/** Splits the body into lines without copying it twice; blank lines are skipped, as Elasticsearch does. */
function* lines(body: string): Generator<[number, string]> {
  let start = 0
  for (let n = 1; start < body.length; n++) {
    let end = body.indexOf("\n", start)
    if (end === -1) end = body.length
    const text = body.slice(start, end).trim()
    start = end + 1
    if (text !== "") yield [n, text]
  }
}

/**
 * Decodes a bulk body. `defaultIndex` is the `{index}` of `POST /{index}/_bulk`; when neither it
 * nor the action names an index, "logs" is used (it only labels records and serves as service
 * of last resort).
 */
export const decodeBulk = (body: string, defaultIndex: string | undefined, fields: BulkFieldMap, receivedAt: number): BulkItem[] => {
  const items: BulkItem[] = []
  const iterator = lines(body)
  for (let next = iterator.next(); !next.done; next = iterator.next()) {
    const [lineNumber, actionText] = next.value
    let actionLine: unknown
    try {
      actionLine = JSON.parse(actionText)
    } catch {
      throw new MalformedBulk({ message: `malformed action/metadata line [${lineNumber}]: not valid JSON` })
    }
    const keys = isObj(actionLine) ? Object.keys(actionLine) : []
    if (keys.length !== 1 || !ACTIONS.has(keys[0]!)) {
      throw new MalformedBulk({ message: `malformed action/metadata line [${lineNumber}]: expected one of [create], [delete], [index] or [update]` })
    }
    const action = keys[0] as BulkAction
    const meta = (actionLine as Record<string, unknown>)[action]
    const metadata = isObj(meta) ? meta : {}
    const index = typeof metadata._index === "string" && metadata._index !== "" ? metadata._index : (defaultIndex ?? "logs")
    const id = typeof metadata._id === "string" && metadata._id !== "" ? metadata._id : undefined
    if (action === "delete") {
      items.push({ action, index, id, error: { type: "illegal_argument_exception", reason: "delete is not supported: logs are append-only" } })
      continue
    }
    const sourceLine = iterator.next()
    if (sourceLine.done) throw new MalformedBulk({ message: `the ${action} action on line [${lineNumber}] has no source line` })
    if (action === "update") {
      items.push({
        action,
        index,
        id,
        error: { type: "illegal_argument_exception", reason: "update is not supported: logs are append-only; use index or create" }
      })
      continue
    }
    let source: unknown
    try {
      source = JSON.parse(sourceLine.value[1])
    } catch (e) {
      items.push({ action, index, id, error: mapperError(`failed to parse the document on line [${sourceLine.value[0]}]: ${(e as Error).message}`) })
      continue
    }
    const outcome = toRecord(source, index, id, fields, receivedAt)
    items.push("type" in outcome ? { action, index, id, error: outcome } : { action, index, id, record: outcome })
  }
  return items
}

/** `ES_FIELD_*` settings (comma-separated candidates) as a field map. */
export const bulkFieldMap = (settings: {
  ES_FIELD_TIMESTAMP: string
  ES_FIELD_MESSAGE: string
  ES_FIELD_LEVEL: string
  ES_FIELD_SERVICE: string
  ES_FIELD_HOST: string
}): BulkFieldMap => {
  const split = (v: string) =>
    v
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "")
  return {
    timestamp: split(settings.ES_FIELD_TIMESTAMP),
    message: split(settings.ES_FIELD_MESSAGE),
    level: split(settings.ES_FIELD_LEVEL),
    service: split(settings.ES_FIELD_SERVICE),
    host: split(settings.ES_FIELD_HOST)
  }
}
