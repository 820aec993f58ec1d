import { LEVELS, type Level, type LogRecord } from "../src/domain/log-record.ts"
import type { LearnOutcome, LearnRecord, PatternBookOptions, PatternChanges, PatternRow } from "../src/domain/pattern-book.ts"

/** Messages between the pattern learner and its thread (actors/pattern-learner.worker.ts). */

/**
 * A committed batch as the few values learning reads, packed so that handing it to the thread
 * clones two strings and some typed arrays instead of thousands of small strings (cloning a
 * string costs about as much per string as per character). Messages are cut to their first line.
 */
export interface LearnColumns {
  /** Every record's first line, one after another; record i's ends at `lineEnds[i]`. */
  readonly lines: string
  readonly lineEnds: Uint32Array
  /** Every record's id, one after another; record i's ends at `idEnds[i]`. */
  readonly ids: string
  readonly idEnds: Uint32Array
  /** The batch's distinct services; record i's is `services[serviceOf[i]]`. */
  readonly services: ReadonlyArray<string>
  readonly serviceOf: Uint32Array
  /** Index in LEVELS. */
  readonly levels: Uint8Array
  readonly times: Float64Array
}

/** A message's first line, at most this many characters: all that learning reads. */
const MAX_LINE = 1_000

const firstLine = (message: string) => {
  const newline = message.indexOf("\n")
  const line = newline === -1 ? message : message.slice(0, newline)
  return line.length > MAX_LINE ? line.slice(0, MAX_LINE) : line
}

const LEVEL_INDEX = Object.fromEntries(LEVELS.map((level, i) => [level, i])) as Record<Level, number>

export const packColumns = (records: ReadonlyArray<LogRecord>): LearnColumns => {
  const n = records.length
  const lineEnds = new Uint32Array(n)
  const idEnds = new Uint32Array(n)
  const serviceOf = new Uint32Array(n)
  const levels = new Uint8Array(n)
  const times = new Float64Array(n)
  const services: string[] = []
  const serviceIndex = new Map<string, number>()
  const lines: string[] = []
  const ids: string[] = []
  let lineEnd = 0
  let idEnd = 0
  for (let i = 0; i < n; i++) {
    const r = records[i]!
    const line = firstLine(r.message)
    lines.push(line)
    lineEnd += line.length
    lineEnds[i] = lineEnd
    ids.push(r.id)
    idEnd += r.id.length
    idEnds[i] = idEnd
    let s = serviceIndex.get(r.service)
    if (s === undefined) {
      s = services.length
      services.push(r.service)
      serviceIndex.set(r.service, s)
    }
    serviceOf[i] = s
    levels[i] = LEVEL_INDEX[r.level]
    times[i] = r.timestamp
  }
  return { lines: lines.join(""), lineEnds, ids: ids.join(""), idEnds, services, serviceOf, levels, times }
}

/** The records of packed columns, as the pattern book learns them. */
export const unpackColumns = (columns: LearnColumns): LearnRecord[] => {
  const records: LearnRecord[] = new Array(columns.times.length)
  let lineStart = 0
  let idStart = 0
  for (let i = 0; i < records.length; i++) {
    const lineEnd = columns.lineEnds[i]!
    const idEnd = columns.idEnds[i]!
    records[i] = {
      id: columns.ids.slice(idStart, idEnd),
      service: columns.services[columns.serviceOf[i]!]!,
      level: LEVELS[columns.levels[i]!]!,
      timestamp: columns.times[i]!,
      message: columns.lines.slice(lineStart, lineEnd)
    }
    lineStart = lineEnd
    idStart = idEnd
  }
  return records
}

export type PatternThreadRequest =
  | { readonly type: "open"; readonly options: Omit<PatternBookOptions, "newId"> }
  | { readonly type: "restore"; readonly rows: ReadonlyArray<PatternRow> }
  | ({ readonly type: "learn" } & LearnColumns)
  | { readonly type: "take"; readonly seq: number }
  | { readonly type: "putBack"; readonly changes: PatternChanges }

export type PatternThreadReply =
  | { readonly type: "learned"; readonly records: number }
  | { readonly type: "taken"; readonly seq: number; readonly changes: PatternChanges; readonly outcome: LearnOutcome }
  /** A request that failed; `seq` when it was a take. */
  | { readonly type: "failed"; readonly error: string; readonly seq?: number }
