import { type LevelScale, levelOf } from "./level.ts"
import type { Level } from "./log-record.ts"
import { timeOf } from "./event-time.ts"

/**
 * Which keys of a shipped document become a record's timestamp, message, level, service, host
 * and trace ids: one ordered candidate list per field, the same for every protocol that carries
 * documents (LogFlow's JSON API, `_bulk` and single-document writes, Loki's labels, structured
 * metadata and JSON lines).
 * The first candidate present wins. A candidate names a key at the top (`"log.level"`), nested
 * (`{"log":{"level":…}}`) or any mix; each is also looked for under `fields` (where
 * winston-elasticsearch puts a log's metadata and Filebeat its custom fields), after every
 * top-level one. An object is never a value, only a namespace: `{"host":{"name":"h"}}` gives
 * its host through `host.name`, not `host`.
 *
 * Values are read the way their shippers write them: levels by name in any case and common
 * synonyms, or by number (pino/bunyan's 10–60; a syslog severity 0–7 when the key says
 * `severity` or `priority`); times as ISO-8601 text or an epoch number in seconds,
 * milliseconds, microseconds or nanoseconds (told apart by magnitude); a syslog tag
 * (`syslogtag`, `web[42]:`) names its program as the service.
 */

export const MAPPED_FIELDS = ["timestamp", "message", "level", "service", "host", "trace_id", "span_id"] as const
export type MappedField = (typeof MAPPED_FIELDS)[number]

/** Candidate keys per field, in the order they are tried. */
export type FieldLists = Readonly<Record<MappedField, ReadonlyArray<string>>>

export const DEFAULT_FIELD_LISTS: FieldLists = {
  timestamp: ["@timestamp", "timestamp", "time", "ts", "ISODATE"],
  message: ["message", "msg", "MESSAGE", "log"],
  level: ["log.level", "level", "severity", "severity_text", "detected_level", "syslog.severity", "PRIORITY"],
  service: [
    "service.name",
    "service",
    "app",
    "appname",
    "programname",
    "syslogtag",
    "PROGRAM",
    "kubernetes.labels.app.kubernetes.io/name",
    "kubernetes.labels.app",
    "kubernetes.container_name",
    "kubernetes.container.name",
    "name"
  ],
  host: ["host.name", "host.hostname", "host", "hostname", "HOST", "kubernetes.host"],
  trace_id: ["trace.id", "trace_id", "traceId"],
  span_id: ["span.id", "span_id", "spanId"]
}

/** A dotted key made ready for look-ups: the key itself, and each way to split it into an object's key and the rest. */
interface Path {
  readonly key: string
  readonly splits: ReadonlyArray<readonly [string, Path]>
}

const compilePath = (key: string): Path => {
  const splits: Array<readonly [string, Path]> = []
  for (let dot = key.indexOf("."); dot !== -1; dot = key.indexOf(".", dot + 1)) splits.push([key.slice(0, dot), compilePath(key.slice(dot + 1))])
  return { key, splits }
}

/** Which field a candidate is for: its index in MAPPED_FIELDS. */
const TIMESTAMP = MAPPED_FIELDS.indexOf("timestamp")
const MESSAGE = MAPPED_FIELDS.indexOf("message")
const LEVEL = MAPPED_FIELDS.indexOf("level")
const SERVICE = MAPPED_FIELDS.indexOf("service")
const HOST = MAPPED_FIELDS.indexOf("host")
const TRACE_ID = MAPPED_FIELDS.indexOf("trace_id")
const SPAN_ID = MAPPED_FIELDS.indexOf("span_id")
/** The fields whose values must be text (or a number, as text). */
const TEXT_FIELDS: ReadonlySet<number> = new Set([SERVICE, HOST, TRACE_ID, SPAN_ID])

interface Candidate {
  /** The key as a flattened document names it (what the mapping takes). */
  readonly key: string
  readonly path: Path
  readonly field: number
  /** Its place in its field's list: the lower, the more it counts. */
  readonly rank: number
  /** A value for it must be text (or a number, as text). */
  readonly text: boolean
  /** How a number under this key reads as a level. */
  readonly scale: LevelScale
  /** A syslog tag (`prog[pid]:`), not a plain name. */
  readonly tag: boolean
  /** Its key names a value inside an object. */
  readonly nested: boolean
}

type Index = Readonly<Record<string, ReadonlyArray<Candidate>>>

/**
 * Candidate lists made ready for look-ups. Most candidates are absent from any one document, and
 * asking an object for a key it lacks costs as much as finding one; so a document is read by its
 * own keys, once: `exact` holds the candidates a key is, `heads` those a key holding an object
 * may lead to (`host` → `host.name`); `inner*` the same inside the document's `fields`.
 */
export interface FieldMap {
  readonly lists: FieldLists
  readonly exact: Index
  readonly heads: Index
  readonly innerExact: Index
  readonly innerHeads: Index
}

const lastSegment = (key: string) => key.slice(key.lastIndexOf(".") + 1).toLowerCase()
const scaleOf = (key: string): LevelScale => {
  const last = lastSegment(key)
  return last === "priority" || (last.includes("severity") && !last.includes("text")) ? "syslog" : "pino"
}

/** The parts of a dotted key up to each dot: the keys an object can hold on the way to it. */
const headsOf = (key: string): string[] => {
  const heads: string[] = []
  for (let dot = key.indexOf("."); dot !== -1; dot = key.indexOf(".", dot + 1)) heads.push(key.slice(0, dot))
  return heads
}

export const fieldMap = (lists: FieldLists): FieldMap => {
  const index = () => Object.create(null) as Record<string, Candidate[]>
  const [exact, heads, innerExact, innerHeads] = [index(), index(), index(), index()]
  MAPPED_FIELDS.forEach((name, field) => {
    const top = [...new Set(lists[name])]
    // After every top-level key, the same keys inside `fields`.
    const inFields = top.filter((key) => !key.startsWith("fields.") && !top.includes(`fields.${key}`))
    const all = [...top.map((key) => [key, false] as const), ...inFields.map((key) => [key, true] as const)]
    all.forEach(([key, inside], rank) => {
      const candidate: Candidate = {
        key: inside ? `fields.${key}` : key,
        path: compilePath(key),
        field,
        rank,
        text: TEXT_FIELDS.has(field),
        scale: scaleOf(key),
        tag: lastSegment(key) === "syslogtag",
        nested: inside || key.includes(".")
      }
      ;((inside ? innerExact : exact)[key] ??= []).push(candidate)
      for (const head of headsOf(key)) ((inside ? innerHeads : heads)[head] ??= []).push(candidate)
    })
  })
  return { lists, exact, heads, innerExact, innerHeads }
}

export const DEFAULT_FIELD_MAP: FieldMap = fieldMap(DEFAULT_FIELD_LISTS)

/** A comma-separated candidate list (a setting's value) as keys. */
export const parseFieldList = (text: string): string[] =>
  text
    .split(",")
    .map((key) => key.trim())
    .filter((key) => key !== "")

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v)

/**
 * The value at a dotted key, however the document splits it into objects: `a.b.c` is found as
 * `{"a.b.c"}`, `{"a":{"b.c"}}`, `{"a.b":{"c"}}` or `{"a":{"b":{"c"}}}`.
 */
const find = (doc: Obj, path: Path): unknown => {
  const direct = doc[path.key]
  if (direct !== undefined) return direct
  const splits = path.splits
  for (let i = 0; i < splits.length; i++) {
    const head = doc[splits[i]![0]]
    if (isObj(head)) {
      const found = find(head, splits[i]![1])
      if (found !== undefined) return found
    }
  }
  return undefined
}

/** A value that can stand for a field: not absent, not empty text, not an object (a namespace). */
const isPresent = (value: unknown) => value !== undefined && value !== null && value !== "" && !isObj(value)

/** Text that can stand for a text field: not only spaces (most text begins with a letter, so trim rarely runs). */
const isText = (text: string | undefined): text is string => text !== undefined && text !== "" && (text.charCodeAt(0) > 32 || text.trim() !== "")

/**
 * The winning candidate and its value per field, for the document being mapped. Mapping is
 * synchronous and runs once per ingested record: one pair of arrays reused beats a pair per record.
 */
const chosen: Array<Candidate | undefined> = new Array(MAPPED_FIELDS.length).fill(undefined)
const values: unknown[] = new Array(MAPPED_FIELDS.length).fill(undefined)

const consider = (candidate: Candidate, value: unknown) => {
  const held = chosen[candidate.field]
  if (held !== undefined && held.rank < candidate.rank) return
  if (!isPresent(value)) return
  if (candidate.text) {
    const text = textOf(value)
    if (!isText(text)) return
    value = text
  }
  chosen[candidate.field] = candidate
  values[candidate.field] = value
}

/** Considers every candidate an object's own keys can be or lead to. */
const scan = (object: Obj, exact: Index, heads: Index) => {
  for (const key in object) {
    const value = object[key]
    const direct = exact[key]
    if (direct !== undefined) for (let i = 0; i < direct.length; i++) consider(direct[i]!, value)
    if (!isObj(value)) continue
    const deeper = heads[key]
    if (deeper !== undefined) for (let i = 0; i < deeper.length; i++) consider(deeper[i]!, find(object, deeper[i]!.path))
  }
}

/** Text from a string or a finite number; undefined for anything else. */
const textOf = (value: unknown): string | undefined =>
  typeof value === "string" ? value : typeof value === "number" && Number.isFinite(value) ? String(value) : undefined

/** `web[42]:` → program `web`, process id `42`; a tag without a pid is its own program name. */
export const parseSyslogTag = (tag: string): { readonly program: string; readonly pid?: string } => {
  const match = /^([^[\]:\s]+)(?:\[([^\]]*)\])?:?\s*$/.exec(tag.trim())
  if (!match) return { program: tag.trim().replace(/:$/, "") }
  return match[2] ? { program: match[1]!, pid: match[2] } : { program: match[1]! }
}

export interface MappedDocument {
  readonly timestamp?: number
  readonly level?: Level
  /** The message value as found (text, or a number, boolean or array the caller writes as JSON). */
  readonly message?: unknown
  readonly messageKey?: string
  readonly service?: string
  readonly host?: string
  readonly trace_id?: string
  readonly span_id?: string
  /** The process id a syslog tag carried, when the service came from one. */
  readonly procId?: string
  /** Keys (dotted, as a flattened document names them) whose values became record fields. */
  readonly taken: ReadonlyArray<string>
  /** Whether one of them is inside an object (`host.name`), which flattening the rest must then leave out. */
  readonly takenNested: boolean
  /** A time field that is there but is no time: the document cannot be stored as sent. */
  readonly badTimestamp?: { readonly key: string; readonly value: unknown }
  /** A level field that is there but names no level we know; it is not taken. */
  readonly unknownLevel?: { readonly key: string; readonly value: unknown }
}

/** The keys of the chosen candidates, and whether one of them is inside an object. */
const takenKeys = (): { taken: string[]; nested: boolean } => {
  const taken: string[] = []
  let nested = false
  for (let field = 0; field < chosen.length; field++) {
    const candidate = chosen[field]
    if (candidate === undefined) continue
    taken.push(candidate.key)
    nested ||= candidate.nested
  }
  return { taken, nested }
}

/** Maps one document's fields; the caller decides what a missing or unknown one means. */
export const mapDocument = (doc: Obj, map: FieldMap = DEFAULT_FIELD_MAP): MappedDocument => {
  for (let field = 0; field < chosen.length; field++) chosen[field] = undefined
  scan(doc, map.exact, map.heads)
  if (isObj(doc.fields)) scan(doc.fields, map.innerExact, map.innerHeads)

  let timestamp: number | undefined
  let badTimestamp: MappedDocument["badTimestamp"]
  if (chosen[TIMESTAMP] !== undefined) {
    timestamp = timeOf(values[TIMESTAMP])
    if (timestamp === undefined) {
      badTimestamp = { key: chosen[TIMESTAMP].key, value: values[TIMESTAMP] }
      chosen[TIMESTAMP] = undefined
    }
  }
  let level: Level | undefined
  let unknownLevel: MappedDocument["unknownLevel"]
  if (chosen[LEVEL] !== undefined) {
    level = levelOf(values[LEVEL], chosen[LEVEL].scale)
    if (level === undefined) {
      unknownLevel = { key: chosen[LEVEL].key, value: values[LEVEL] }
      chosen[LEVEL] = undefined
    }
  }
  const fromTag = chosen[SERVICE]?.tag === true
  let service = values[SERVICE] as string | undefined
  let procId: string | undefined
  if (fromTag) {
    const tag = parseSyslogTag(service!)
    service = tag.program === "" ? undefined : tag.program
    procId = tag.pid
  }
  let message = values[MESSAGE]
  // rsyslog's `msg` keeps the space that follows an RFC 3164 tag.
  if (fromTag && typeof message === "string" && message.startsWith(" ")) message = message.slice(1)
  const { taken, nested } = takenKeys()
  const result: MappedDocument = {
    timestamp,
    level,
    message,
    messageKey: chosen[MESSAGE]?.key,
    service,
    host: values[HOST] as string | undefined,
    trace_id: values[TRACE_ID] as string | undefined,
    span_id: values[SPAN_ID] as string | undefined,
    procId,
    taken,
    takenNested: nested,
    badTimestamp,
    unknownLevel
  }
  for (let field = 0; field < values.length; field++) values[field] = undefined
  return result
}

const FLATTEN_DEPTH = 8

/**
 * What is left of a document once mapped, as flat attributes: `{"http":{"status":200}}` becomes
 * `http.status → 200`, the `taken` keys are left out, nulls are dropped, and what nests deeper
 * than 8 levels is kept as JSON text (arrays too, later, when the record is built).
 */
export const remainingFields = (doc: Obj, taken: ReadonlyArray<string>): Obj => {
  const out: Obj = {}
  const walk = (prefix: string, value: unknown, depth: number) => {
    if (taken.includes(prefix)) return
    if (isObj(value) && depth < FLATTEN_DEPTH) {
      for (const key in value) walk(prefix === "" ? key : `${prefix}.${key}`, value[key], depth + 1)
    } else if (value !== null && value !== undefined) out[prefix] = isObj(value) ? JSON.stringify(value) : value
  }
  walk("", doc, 0)
  return out
}
