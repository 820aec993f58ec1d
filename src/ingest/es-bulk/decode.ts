import { Data } from "effect"
import { type FieldMap, mapDocument, remainingFields } from "../../domain/field-mapping.ts"
import type { LogRecord } from "../../domain/log-record.ts"
import { nestsDeeperThan } from "../../domain/json-depth.ts"
import { LIMITS, normalise } from "../../domain/normalise.ts"
import { ulidFor, ulidTime } from "../../domain/ulid.ts"
import { configuredFieldMap } from "../field-map.ts"

/**
 * The Elasticsearch `_bulk` body (NDJSON action/source pairs) → LogRecords, one outcome per
 * action in order, so the response can say per item what failed and a shipper resends only that.
 * `index` and `create` are stored; `update` and `delete` are answered as failed items (logs are
 * append-only here). An action line is read as Elasticsearch reads it: its action is the one key
 * among `index`, `create`, `update`, `delete`, other keys beside it and unknown parameters inside
 * it (`pipeline`, `require_alias`, `_type`, …) are ignored. A malformed action line fails the
 * whole request, as in Elasticsearch, because the lines after it can no longer be paired.
 *
 * Documents are mapped by the shared field mapping (`LOG_FIELD_*`). Everything not mapped to a
 * record field is kept as a (flattened) attribute, with the index as `es.index`.
 */

/** The field lists a `_bulk` document is mapped by (the shared mapping). */
export type BulkFieldMap = FieldMap

export type BulkAction = "index" | "create" | "update" | "delete"
const ACTIONS: ReadonlyArray<BulkAction> = ["index", "create", "update", "delete"]

export interface BulkError {
  readonly type: string
  readonly reason: string
}

/** One action's outcome: the record to store (`record`), or why it was refused (`error`). */
export interface BulkItem {
  readonly action: BulkAction
  readonly index: string
  /** The client's `_id`, when it gave one. */
  readonly id: string | undefined
  readonly record?: LogRecord
  readonly error?: BulkError
}

export class MalformedBulk extends Data.TaggedError("MalformedBulk")<{ readonly message: string }> {}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v)

const mapperError = (reason: string): BulkError => ({ type: "mapper_parsing_exception", reason })

/** An index named by day (`logs-2026.12.07`, `app-2026-12`) names its service without the date. */
const serviceOfIndex = (index: string) => index.replace(/[-_.]\d{4}[-.]\d{2}(?:[-.]\d{2})?$/, "") || index

/**
 * The record id of a document. A ULID `_id` is the id; another `_id` gives the same ULID for the
 * same index, `_id` and event time (`ulidFor`), so a resent document is the same record and is
 * stored once, by every store and across redeliveries; without `_id`, a fresh one.
 */
const recordIdOf = (index: string, id: string | undefined, eventTime: number): string | undefined => {
  if (id === undefined) return undefined
  return ulidTime(id) !== undefined ? id : ulidFor(eventTime, `${index}\u0000${id}`)
}

/**
 * One document as a record, or why it cannot be one. Without a service field the index names
 * the service (less a date suffix); without a message field the whole document is the message.
 * A level that names no level we know (say a custom "audit") is kept as an attribute instead
 * of refusing the document.
 */
export const documentToRecord = (
  source: unknown,
  index: string,
  id: string | undefined,
  fields: BulkFieldMap,
  receivedAt: number,
  maxAttributes: number = LIMITS.attributeCount
): LogRecord | BulkError => {
  if (!isObj(source)) return mapperError("the document must be a JSON object")
  if (nestsDeeperThan(source, LIMITS.jsonDepth)) return mapperError(`the document is nested deeper than ${LIMITS.jsonDepth} levels`)
  const mapped = mapDocument(source, fields)
  if (mapped.badTimestamp) {
    const { key, value } = mapped.badTimestamp
    return mapperError(`failed to parse field [${key}]: ${JSON.stringify(value).slice(0, 60)} is not an ISO-8601 date or epoch number`)
  }
  const attributes: Record<string, unknown> = { "es.index": index }
  const recordId = recordIdOf(index, id, mapped.timestamp ?? receivedAt)
  if (id !== undefined && id !== recordId) attributes["es.id"] = id
  if (mapped.procId !== undefined) attributes["syslog.procid"] = mapped.procId
  Object.assign(attributes, remainingFields(source, mapped.taken))
  const message = mapped.message
  const result = normalise(
    {
      ...(recordId !== undefined ? { id: recordId } : {}),
      service: mapped.service ?? serviceOfIndex(index),
      message: message === undefined ? JSON.stringify(source) : typeof message === "string" ? message : JSON.stringify(message),
      ...(mapped.level ? { level: mapped.level } : {}),
      ...(mapped.timestamp !== undefined ? { timestamp: mapped.timestamp } : {}),
      ...(mapped.host !== undefined ? { host: mapped.host } : {}),
      ...(mapped.trace_id !== undefined ? { trace_id: mapped.trace_id } : {}),
      ...(mapped.span_id !== undefined ? { span_id: mapped.span_id } : {}),
      attributes
    },
    receivedAt,
    undefined,
    maxAttributes
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

/** The action of an action line and its parameters; `index` with `op_type: create` is a `create`. */
const readAction = (text: string, lineNumber: number): { action: BulkAction; metadata: Record<string, unknown> } => {
  let line: unknown
  try {
    line = JSON.parse(text)
  } catch {
    throw new MalformedBulk({ message: `malformed action/metadata line [${lineNumber}]: not valid JSON` })
  }
  const actions = isObj(line) ? ACTIONS.filter((a) => Object.hasOwn(line as object, a)) : []
  if (actions.length !== 1) {
    throw new MalformedBulk({
      message: `malformed action/metadata line [${lineNumber}]: expected exactly one of [create], [delete], [index] or [update]`
    })
  }
  const action = actions[0]!
  const value = (line as Record<string, unknown>)[action]
  const metadata = isObj(value) ? value : {}
  return { action: action === "index" && metadata.op_type === "create" ? "create" : action, metadata }
}

/**
 * Decodes a bulk body. `defaultIndex` is the `{index}` of `POST /{index}/_bulk`; when neither it
 * nor the action names an index, "logs" is used (it only labels records and serves as service
 * of last resort).
 */
export const decodeBulk = (
  body: string,
  defaultIndex: string | undefined,
  fields: BulkFieldMap,
  receivedAt: number,
  maxAttributes: number = LIMITS.attributeCount
): BulkItem[] => {
  const items: BulkItem[] = []
  const iterator = lines(body)
  for (let next = iterator.next(); !next.done; next = iterator.next()) {
    const [lineNumber, actionText] = next.value
    const { action, metadata } = readAction(actionText, lineNumber)
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
    const outcome = documentToRecord(source, index, id, fields, receivedAt, maxAttributes)
    items.push("type" in outcome ? { action, index, id, error: outcome } : { action, index, id, record: outcome })
  }
  return items
}

/** The `LOG_FIELD_*` settings as the field map documents are read by. */
export const bulkFieldMap = configuredFieldMap
