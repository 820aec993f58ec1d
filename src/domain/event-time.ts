import { parseIsoUtc } from "./iso-time.ts"
import { MAX_TIME } from "./search-request.ts"

/**
 * An event time from what shippers write: ISO-8601 text or an epoch number in seconds,
 * milliseconds, microseconds or nanoseconds. The unit is told apart by magnitude: each one
 * covers the years 1973 to 5138 without overlapping another (1e11 seconds, 1e14 milliseconds,
 * 1e17 microseconds), and nothing logged today falls outside that.
 */
export const parseTimestamp = (value: unknown): number | undefined => {
  if (typeof value === "number" && Number.isFinite(value) && value >= 0) {
    const ms = value >= 1e17 ? value / 1e6 : value >= 1e14 ? value / 1e3 : value >= 1e11 ? value : value * 1000
    if (ms > MAX_TIME) return undefined
    // Scaling a decimal in binary leaves noise (1765101600.123 s is 1765101600122.9998 ms):
    // a value within a microsecond of a whole millisecond is that millisecond; finer digits are cut.
    const whole = Math.round(ms)
    return Math.abs(ms - whole) < 1e-3 ? whole : Math.floor(ms)
  }
  if (typeof value === "string" && value.length <= 64) {
    const ms = parseIsoUtc(value) ?? Date.parse(value)
    return Number.isNaN(ms) ? undefined : ms
  }
  return undefined
}

const EPOCH_TEXT = /^\d{1,22}(\.\d{1,9})?$/

/** As parseTimestamp, and an epoch number written as text (`"1765101600"`, `"1765101600.25"`) is read as that number. */
export const timeOf = (value: unknown): number | undefined => {
  if (typeof value === "string") {
    const iso = parseIsoUtc(value)
    if (iso !== undefined) return iso
    if (EPOCH_TEXT.test(value)) return parseTimestamp(Number(value))
  }
  return parseTimestamp(value)
}
