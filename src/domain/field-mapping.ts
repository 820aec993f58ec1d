import { levelFromNumber, parseLevel, type LevelScale } from "./level.ts"
import type { Level } from "./log-record.ts"
import { timeOf } from "./event-time.ts"

/**
 * Which keys of a shipped document become a record's timestamp, message, level, service, host
 * and trace ids: one ordered candidate list per field, the same for every protocol that carries
 * documents (LogFlow's JSON API, `_bulk`, a Loki line that is JSON, Fluent forward records).
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

interface Candidate {
  readonly key: string
  /** How a number under this key reads as a level. */
  readonly scale: LevelScale
  /** A syslog tag (`prog[pid]:`), not a plain name. */
  readonly tag: boolean
}

/** Candidate lists made ready for look-ups. */
export interface FieldMap {
  readonly lists: FieldLists
  readonly candidates: Readonly<Record<MappedField, ReadonlyArray<Candidate>>>
}

const lastSegment = (key: string) => key.slice(key.lastIndexOf(".") + 1).toLowerCase()
const scaleOf = (key: string): LevelScale => {
  const last = lastSegment(key)
  return last === "priority" || (last.includes("severity") && !last.includes("text")) ? "syslog" : "pino"
}

export const fieldMap = (lists: FieldLists): FieldMap => {
  const compile = (keys: ReadonlyArray<string>): Candidate[] =>
    [...new Set([...keys, ...keys.filter((k) => !k.startsWith("fields.")).map((k) => `fields.${k}`)])].map((key) => ({
      key,
      scale: scaleOf(key),
      tag: lastSegment(key) === "syslogtag"
    }))
  return {
    lists,
    candidates: {
      timestamp: compile(lists.timestamp),
      message: compile(lists.message),
      level: compile(lists.level),
      service: compile(lists.service),
      host: compile(lists.host),
      trace_id: compile(lists.trace_id),
      span_id: compile(lists.span_id)
    }
  }
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
const find = (doc: Obj, key: string): unknown => {
  const direct = doc[key]
  if (direct !== undefined) return direct
  for (let dot = key.indexOf("."); dot !== -1; dot = key.indexOf(".", dot + 1)) {
    const head = doc[key.slice(0, dot)]
    if (isObj(head)) {
      const found = find(head, key.slice(dot + 1))
      if (found !== undefined) return found
    }
  }
  return undefined
}

/** A value that can stand for a field: not absent, not empty text, not an object (a namespace). */
const isPresent = (value: unknown) => value !== undefined && value !== null && value !== "" && !isObj(value)

const first = (doc: Obj, candidates: ReadonlyArray<Candidate>): [Candidate, unknown] | undefined => {
  for (const candidate of candidates) {
    const value = find(doc, candidate.key)
    if (isPresent(value)) return [candidate, value]
  }
  return undefined
}

/** Text from a string or a finite number; undefined for anything else. */
const textOf = (value: unknown): string | undefined =>
  typeof value === "string" ? value : typeof value === "number" && Number.isFinite(value) ? String(value) : undefined

const NUMERIC = /^-?\d+(\.\d+)?$/

/** A level from a name, a number or a number written as text, on the scale the key implies. */
export const levelOf = (value: unknown, scale: LevelScale): Level | undefined => {
  if (typeof value === "number") return levelFromNumber(value, scale)
  if (typeof value !== "string") return undefined
  return parseLevel(value) ?? (NUMERIC.test(value.trim()) ? levelFromNumber(Number(value), scale) : undefined)
}

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
  /** A time field that is there but is no time: the document cannot be stored as sent. */
  readonly badTimestamp?: { readonly key: string; readonly value: unknown }
  /** A level field that is there but names no level we know; it is not taken. */
  readonly unknownLevel?: { readonly key: string; readonly value: unknown }
}

/** Maps one document's fields; the caller decides what a missing or unknown one means. */
export const mapDocument = (doc: Obj, map: FieldMap = DEFAULT_FIELD_MAP): MappedDocument => {
  const { candidates } = map
  const taken: string[] = []
  const out: { -readonly [K in keyof MappedDocument]?: MappedDocument[K] } = {}

  const time = first(doc, candidates.timestamp)
  if (time) {
    const parsed = timeOf(time[1])
    if (parsed === undefined) out.badTimestamp = { key: time[0].key, value: time[1] }
    else {
      out.timestamp = parsed
      taken.push(time[0].key)
    }
  }
  const level = first(doc, candidates.level)
  if (level) {
    const parsed = levelOf(level[1], level[0].scale)
    if (parsed === undefined) out.unknownLevel = { key: level[0].key, value: level[1] }
    else {
      out.level = parsed
      taken.push(level[0].key)
    }
  }
  const service = firstText(doc, candidates.service)
  if (service) {
    taken.push(service[0].key)
    if (service[0].tag) {
      const { program, pid } = parseSyslogTag(service[1])
      out.service = program
      if (pid !== undefined) out.procId = pid
    } else out.service = service[1]
  }
  const message = first(doc, candidates.message)
  if (message) {
    taken.push(message[0].key)
    out.messageKey = message[0].key
    // rsyslog's `msg` keeps the space that follows an RFC 3164 tag.
    out.message = service?.[0].tag && typeof message[1] === "string" && message[1].startsWith(" ") ? message[1].slice(1) : message[1]
  }
  for (const field of ["host", "trace_id", "span_id"] as const) {
    const found = firstText(doc, candidates[field])
    if (found) {
      taken.push(found[0].key)
      out[field] = found[1]
    }
  }
  out.taken = taken
  return out as MappedDocument
}

/** The first candidate whose value is text (or a number, as text). */
const firstText = (doc: Obj, list: ReadonlyArray<Candidate>): [Candidate, string] | undefined => {
  for (const candidate of list) {
    const value = find(doc, candidate.key)
    if (!isPresent(value)) continue
    const text = textOf(value)
    if (text !== undefined && text.trim() !== "") return [candidate, text]
  }
  return undefined
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
