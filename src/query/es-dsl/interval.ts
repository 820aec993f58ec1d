import { malformed } from "./errors.ts"

/**
 * `date_histogram` intervals: fixed ones (`fixed_interval: 30s`, `1000ms`, `5m`, `2h`, `1d`)
 * are whole milliseconds aligned to the epoch; calendar ones (`calendar_interval: 1w`, `1M`,
 * `1q`, `1y`, and `1m`/`1h`/`1d`, which are fixed in UTC) start on a UTC calendar boundary (ISO
 * weeks on Monday). The legacy `interval` takes either, as Elasticsearch 7 did.
 */

export type Interval = { readonly kind: "fixed"; readonly ms: number } | { readonly kind: "calendar"; readonly unit: "w" | "M" | "q" | "y" }

const FIXED_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

const CALENDAR: Record<string, Interval> = {
  "1m": { kind: "fixed", ms: 60_000 },
  minute: { kind: "fixed", ms: 60_000 },
  "1h": { kind: "fixed", ms: 3_600_000 },
  hour: { kind: "fixed", ms: 3_600_000 },
  "1d": { kind: "fixed", ms: 86_400_000 },
  day: { kind: "fixed", ms: 86_400_000 },
  "1w": { kind: "calendar", unit: "w" },
  week: { kind: "calendar", unit: "w" },
  "1M": { kind: "calendar", unit: "M" },
  month: { kind: "calendar", unit: "M" },
  "1q": { kind: "calendar", unit: "q" },
  quarter: { kind: "calendar", unit: "q" },
  "1y": { kind: "calendar", unit: "y" },
  year: { kind: "calendar", unit: "y" }
}

const fixed = (text: string, path: string): Interval => {
  const match = /^(\d{1,12})(ms|s|m|h|d)$/.exec(text)
  const ms = match ? Number(match[1]) * FIXED_UNITS[match[2]!]! : 0
  if (ms <= 0) throw malformed(path, `failed to parse setting [${path}] with value [${text}] as a time value`)
  return { kind: "fixed", ms }
}

export const parseInterval = (spec: { fixed_interval?: unknown; calendar_interval?: unknown; interval?: unknown }, path: string): Interval => {
  const given = (["fixed_interval", "calendar_interval", "interval"] as const).filter((k) => spec[k] !== undefined)
  if (given.length !== 1) throw malformed(path, "requires exactly one of [fixed_interval], [calendar_interval] or [interval]")
  const key = given[0]!
  const text = String(spec[key])
  if (key === "fixed_interval") return fixed(text, `${path}.${key}`)
  const calendar = CALENDAR[text]
  if (key === "calendar_interval") {
    if (!calendar) throw malformed(`${path}.${key}`, `the calendar interval [${text}] is not one of 1m 1h 1d 1w 1M 1q 1y`)
    return calendar
  }
  return calendar ?? fixed(text, `${path}.${key}`)
}

/** The start of the bucket holding `ms`. */
export const bucketStart = (interval: Interval, ms: number): number => {
  if (interval.kind === "fixed") return Math.floor(ms / interval.ms) * interval.ms
  const d = new Date(ms)
  const year = d.getUTCFullYear()
  switch (interval.unit) {
    case "y":
      return Date.UTC(year, 0, 1)
    case "q":
      return Date.UTC(year, Math.floor(d.getUTCMonth() / 3) * 3, 1)
    case "M":
      return Date.UTC(year, d.getUTCMonth(), 1)
    case "w": {
      const day = Date.UTC(year, d.getUTCMonth(), d.getUTCDate())
      return day - ((d.getUTCDay() + 6) % 7) * 86_400_000
    }
  }
}

/** The start of the bucket after the one starting at `start`. */
export const nextBucket = (interval: Interval, start: number): number => {
  if (interval.kind === "fixed") return start + interval.ms
  if (interval.unit === "w") return start + 7 * 86_400_000
  const d = new Date(start)
  const months = interval.unit === "M" ? 1 : interval.unit === "q" ? 3 : 12
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1)
}

/** How many buckets [from, to] spans, without walking them when the interval is fixed. */
export const bucketsBetween = (interval: Interval, from: number, to: number): number => {
  if (to < from) return 0
  if (interval.kind === "fixed") return Math.floor((bucketStart(interval, to) - bucketStart(interval, from)) / interval.ms) + 1
  const days = { w: 7, M: 28, q: 90, y: 365 }[interval.unit]
  return Math.floor((to - from) / (days * 86_400_000)) + 2
}
