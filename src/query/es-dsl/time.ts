import { MAX_TIME } from "../../domain/search-request.ts"
import { malformed } from "./errors.ts"

/**
 * Elasticsearch's date values as `range` takes them, to epoch milliseconds: numbers and digit
 * strings (epoch milliseconds, or seconds with `format: epoch_second`), ISO-8601 dates, and date
 * math on `now` or on a date followed by `||`: `now-15m`, `now-1d/d`, `2026-12-01||+1M`
 * (units y M w d h H m s; `/unit` rounds down, in UTC).
 */

const FIXED_MS: Record<string, number> = { w: 604_800_000, d: 86_400_000, h: 3_600_000, H: 3_600_000, m: 60_000, s: 1000 }

/** Months and years move the calendar date, keeping the day within the month (Jan 31 + 1M is Feb 28), as Elasticsearch does. */
const addCalendar = (ms: number, amount: number, unit: string): number => {
  if (unit !== "y" && unit !== "M") return ms + amount * FIXED_MS[unit]!
  const d = new Date(ms)
  const months = d.getUTCFullYear() * 12 + d.getUTCMonth() + (unit === "y" ? 12 * amount : amount)
  const [year, month] = [Math.floor(months / 12), ((months % 12) + 12) % 12]
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate()
  return Date.UTC(year, month, Math.min(d.getUTCDate(), lastDay)) + (ms - Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()))
}

const roundDown = (ms: number, unit: string): number => {
  const d = new Date(ms)
  switch (unit) {
    case "y":
      return Date.UTC(d.getUTCFullYear(), 0, 1)
    case "M":
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)
    case "w": {
      const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())
      // ISO weeks start on Monday.
      return day - ((d.getUTCDay() + 6) % 7) * 86_400_000
    }
    default:
      return Math.floor(ms / FIXED_MS[unit]!) * FIXED_MS[unit]!
  }
}

const MATH_STEP = /^(?:([+-])(\d{1,9})([yMwdhHms])|\/([yMwdhHms]))/

const applyMath = (start: number, math: string, path: string): number => {
  let ms = start
  let rest = math
  while (rest !== "") {
    const step = MATH_STEP.exec(rest)
    if (!step) throw malformed(path, `cannot parse date math [${math}]`)
    ms = step[4] !== undefined ? roundDown(ms, step[4]) : addCalendar(ms, (step[1] === "-" ? -1 : 1) * Number(step[2]), step[3]!)
    rest = rest.slice(step[0].length)
  }
  return ms
}

const parseDate = (text: string, format: string | undefined, path: string): number => {
  if (/^-?\d{1,16}$/.test(text)) return format === "epoch_second" ? Number(text) * 1000 : Number(text)
  const ms = Date.parse(text)
  if (Number.isNaN(ms)) throw malformed(path, `failed to parse date field [${text}]`)
  return ms
}

/** A `range` bound on the time field, as epoch ms. */
export const parseEsTime = (value: unknown, format: string | undefined, now: number, path: string): number => {
  let ms: number
  if (typeof value === "number") ms = format === "epoch_second" ? value * 1000 : value
  else if (typeof value !== "string") throw malformed(path, "expects a date: epoch milliseconds, an ISO-8601 date or date math")
  else if (value.startsWith("now")) ms = applyMath(now, value.slice(3), path)
  else if (value.includes("||")) {
    const [date, math] = value.split("||", 2) as [string, string]
    ms = applyMath(parseDate(date, format, path), math, path)
  } else ms = parseDate(value, format, path)
  if (!Number.isFinite(ms) || Math.abs(ms) > MAX_TIME) throw malformed(path, `date [${String(value)}] is out of range`)
  return Math.trunc(ms)
}
