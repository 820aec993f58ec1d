import type { Level } from "./log-record.ts"
import type { TextQuery } from "./text-query.ts"

export interface Cursor {
  readonly timestamp: number
  /** Store-specific tiebreaker among records with the same timestamp. */
  readonly tiebreak: string
}

export interface SearchRequest {
  readonly text?: TextQuery
  readonly services?: ReadonlyArray<string>
  readonly levels?: ReadonlyArray<Level>
  /** Exact match on the record's correlation id. */
  readonly correlation_id?: string
  /** Exact match on the record's trace id. */
  readonly trace_id?: string
  /** Inclusive lower bound on event time, epoch ms. */
  readonly from?: number
  /** Inclusive upper bound on event time, epoch ms. */
  readonly to?: number
  readonly limit: number
  readonly cursor?: Cursor
  /** False when the caller reads only the page (LogQL's scans): the store may skip counting, `total` then is 0, a lower bound. */
  readonly count?: boolean
}

export const encodeCursor = (cursor: Cursor): string => Buffer.from(JSON.stringify([cursor.timestamp, cursor.tiebreak])).toString("base64url")

export const decodeCursor = (text: string): Cursor | undefined => {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, "base64url").toString())
    if (Array.isArray(value) && value.length === 2 && Number.isSafeInteger(value[0]) && typeof value[1] === "string") {
      return { timestamp: value[0], tiebreak: value[1] }
    }
  } catch {
    // fall through: not a cursor we made
  }
  return undefined
}

/** The largest time a JavaScript Date can hold (year 275760). */
export const MAX_TIME = 8.64e15

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

/** Parses `now`, `now-15m` (s, m, h, d, w), an ISO-8601 date or epoch milliseconds, from 1970 to year 275760. */
export const parseTime = (text: string, now: number): number | undefined => {
  const relative = /^now(?:-(\d{1,9})([smhdw]))?$/.exec(text.trim())
  if (relative) {
    const ms = relative[1] === undefined ? now : now - Number(relative[1]) * UNIT_MS[relative[2]!]!
    return ms < 0 ? undefined : ms
  }
  const ms = /^\d{1,16}$/.test(text) ? Number(text) : Date.parse(text)
  return Number.isNaN(ms) || ms < 0 || ms > MAX_TIME ? undefined : ms
}
