/**
 * Reads the one timestamp form most shippers send, `YYYY-MM-DDTHH:MM:SS[.f…]Z` (what
 * `Date.prototype.toISOString` prints, or with 1–9 fraction digits), as epoch milliseconds.
 * Date.parse costs several hundred nanoseconds a call and ingest parses one per record; this
 * is plain arithmetic. Anything else, including out-of-range fields whose meaning Date.parse
 * decides (Feb 30, 24:00), returns undefined so the caller falls back to Date.parse: for the
 * strings it accepts, the result equals Date.parse's.
 */

const DAY_MS = 86_400_000

/** The value of `length` decimal digits at `at`, or -1 when one of them is not a digit. */
const digits = (text: string, at: number, length: number): number => {
  let value = 0
  for (let i = at; i < at + length; i++) {
    const digit = text.charCodeAt(i) - 48
    if (digit < 0 || digit > 9) return -1
    value = value * 10 + digit
  }
  return value
}

const isLeap = (year: number) => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
const daysInMonth = (year: number, month: number) =>
  month === 2 ? (isLeap(year) ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31

/** Days from 1970-01-01 to the given proleptic Gregorian date (Howard Hinnant's days_from_civil). */
const daysFromCivil = (year: number, month: number, day: number): number => {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yearOfEra = y - era * 400
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1
  return era * 146_097 + yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear - 719_468
}

export const parseIsoUtc = (text: string): number | undefined => {
  const length = text.length
  if (length < 20 || length > 30 || text.charCodeAt(length - 1) !== 90 /* Z */) return undefined
  if (text[4] !== "-" || text[7] !== "-" || text[10] !== "T" || text[13] !== ":" || text[16] !== ":") return undefined
  const year = digits(text, 0, 4)
  const month = digits(text, 5, 2)
  const day = digits(text, 8, 2)
  const hour = digits(text, 11, 2)
  const minute = digits(text, 14, 2)
  const second = digits(text, 17, 2)
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined
  let ms = 0
  if (length > 20) {
    // Date.parse keeps milliseconds and drops finer digits.
    const fractionDigits = length - 21
    if (text[19] !== "." || fractionDigits < 1 || fractionDigits > 9) return undefined
    const fraction = digits(text, 20, fractionDigits)
    if (fraction < 0) return undefined
    ms = fractionDigits >= 3 ? Math.floor(fraction / 10 ** (fractionDigits - 3)) : fraction * 10 ** (3 - fractionDigits)
  }
  return daysFromCivil(year, month, day) * DAY_MS + ((hour * 60 + minute) * 60 + second) * 1000 + ms
}
