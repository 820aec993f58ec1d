import { InvalidInput } from "../../../domain/errors.ts"
import { parseDuration } from "../../../query/logql/lexer.ts"

/**
 * The query parameters of Loki's read API, read as Loki reads them. Times: nanoseconds (more
 * than 10 digits), seconds (10 digits or fewer, or with a fraction) or RFC 3339; `since`, a
 * duration, moves the default start back from the end. Durations (`step`, `interval`, `since`):
 * Prometheus durations (`5m`, `1h30m`) or seconds as a number. Everything is returned in epoch
 * milliseconds, LogFlow's resolution. Errors name the parameter (HTTP 400).
 */

export type Query = Record<string, string | undefined>

const DEFAULT_SINCE_MS = 3_600_000
const DEFAULT_LIMIT = 100
const MAX_PARAM_LENGTH = 64

const bad = (field: string, reason: string) => new InvalidInput({ field, reason })

/** One Loki timestamp in epoch ms, or undefined when absent. */
export const lokiTime = (field: string, text: string | undefined): number | undefined => {
  if (text === undefined || text === "") return undefined
  if (text.length > MAX_PARAM_LENGTH) throw bad(field, `is longer than ${MAX_PARAM_LENGTH} characters`)
  if (/^-?\d+\.\d*$/.test(text)) return Math.round(Number(text) * 1000)
  if (/^-?\d+$/.test(text)) {
    // Past 10 digits a number is nanoseconds; BigInt keeps their precision before the division.
    return text.replace("-", "").length <= 10 ? Number(text) * 1000 : Number(BigInt(text) / 1_000_000n)
  }
  const ms = Date.parse(text)
  if (/^\d{4}-\d{2}-\d{2}T/.test(text) && !Number.isNaN(ms)) return ms
  throw bad(field, `cannot parse "${text}" to a valid timestamp (nanoseconds, seconds or RFC 3339)`)
}

/** A Loki duration in ms: `5m`, `1h30m`, or a number of seconds. */
export const lokiDuration = (field: string, text: string | undefined): number | undefined => {
  if (text === undefined || text === "") return undefined
  if (text.length > MAX_PARAM_LENGTH) throw bad(field, `is longer than ${MAX_PARAM_LENGTH} characters`)
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000)
  const ms = parseDuration(text)
  if (ms === undefined) throw bad(field, `cannot parse "${text}" to a valid duration`)
  return ms
}

/** `start`/`end` (and `since`): end defaults to now, start to end minus `since` (1 h). */
export const lokiRange = (query: Query, now: number) => {
  const end = lokiTime("end", query.end) ?? now
  const since = lokiDuration("since", query.since) ?? DEFAULT_SINCE_MS
  const start = lokiTime("start", query.start) ?? end - since
  if (end < start) throw bad("end", "the end timestamp must not be before the start time")
  return { start, end }
}

export const lokiLimit = (query: Query, max: number) => {
  const text = query.limit
  if (text === undefined || text === "") return DEFAULT_LIMIT
  if (!/^\d+$/.test(text) || Number(text) <= 0) throw bad("limit", "must be a positive integer")
  const limit = Number(text)
  if (limit > max) throw bad("limit", `max entries limit per query exceeded, limit > max_entries_limit (${limit} > ${max}) (LOGQL_MAX_ENTRIES)`)
  return limit
}

/** A positive count parameter (`line_limit`, `limit`): `fallback` when absent, refused above `max`, which names its setting. */
export const lokiCount = (query: Query, field: string, fallback: number, max = Number.MAX_SAFE_INTEGER, setting = "") => {
  const text = query[field]
  if (text === undefined || text === "") return Math.min(fallback, max)
  if (!/^\d{1,15}$/.test(text) || Number(text) <= 0) throw bad(field, "must be a positive integer")
  if (Number(text) > max) throw bad(field, `must be at most ${max} (${setting})`)
  return Number(text)
}

export const lokiDirection = (query: Query): "backward" | "forward" => {
  const text = (query.direction ?? "").toLowerCase()
  if (text === "" || text === "backward") return "backward"
  if (text === "forward") return "forward"
  throw bad("direction", `invalid direction '${query.direction}'; use forward or backward`)
}

/** Loki's default step: the range over 250 points, at least one second. */
export const lokiStep = (query: Query, start: number, end: number) =>
  lokiDuration("step", query.step) ?? Math.max(Math.floor((end - start) / 1000 / 250), 1) * 1000

export const requiredQuery = (query: Query, field = "query") => {
  const text = query[field]
  if (text === undefined || text.trim() === "") throw bad(field, "is required")
  return text
}
