import { LEVELS, type Level } from "./log-record.ts"

/** Spellings that shippers use for our six levels (lower-cased keys). */
const SYNONYMS: Record<string, Level> = {
  trace: "TRACE",
  trc: "TRACE",
  finest: "TRACE",
  finer: "TRACE",
  verbose: "TRACE",
  vrb: "TRACE",
  silly: "TRACE",
  debug: "DEBUG",
  fine: "DEBUG",
  dbg: "DEBUG",
  info: "INFO",
  inf: "INFO",
  information: "INFO",
  informational: "INFO",
  notice: "INFO",
  log: "INFO",
  http: "INFO",
  warn: "WARN",
  wrn: "WARN",
  warning: "WARN",
  error: "ERROR",
  err: "ERROR",
  eror: "ERROR",
  severe: "ERROR",
  fatal: "FATAL",
  ftl: "FATAL",
  critical: "FATAL",
  crit: "FATAL",
  alert: "FATAL",
  emerg: "FATAL",
  emergency: "FATAL",
  panic: "FATAL"
}

const CANONICAL: ReadonlySet<string> = new Set(LEVELS)

/**
 * Normalises a level name, or returns undefined when it is not one we know. Most records
 * already carry a canonical name; recognising it first skips the trim and lower-casing.
 */
export const parseLevel = (raw: string): Level | undefined => {
  if (CANONICAL.has(raw)) return raw as Level
  const key = raw.trim().toLowerCase()
  // Own keys only: `constructor` or `__proto__` are no level.
  return Object.hasOwn(SYNONYMS, key) ? SYNONYMS[key] : undefined
}

/**
 * How a number in a level field reads: `pino` is pino's and bunyan's 10 (trace) … 60 (fatal),
 * where a number between two levels counts as the lower one; `syslog` is a syslog severity,
 * 0 (emergency) … 7 (debug).
 */
export type LevelScale = "pino" | "syslog"

const SYSLOG_SEVERITIES: ReadonlyArray<Level> = ["FATAL", "FATAL", "FATAL", "ERROR", "WARN", "INFO", "INFO", "DEBUG"]
const PINO_LEVELS: ReadonlyArray<Level> = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"]

/** A numeric level on its scale, or undefined outside it (below 10 for pino, outside 0–7 for syslog). */
export const levelFromNumber = (n: number, scale: LevelScale): Level | undefined => {
  if (!Number.isFinite(n)) return undefined
  if (scale === "syslog") return Number.isInteger(n) && n >= 0 && n <= 7 ? SYSLOG_SEVERITIES[n] : undefined
  return n < 10 ? undefined : PINO_LEVELS[Math.min(5, Math.floor(n / 10) - 1)]
}

const NUMERIC = /^-?\d+(\.\d+)?$/

/** A level from a name, a number or a number written as text (numbers read on `scale`). */
export const levelOf = (value: unknown, scale: LevelScale): Level | undefined => {
  if (typeof value === "number") return levelFromNumber(value, scale)
  if (typeof value !== "string") return undefined
  return parseLevel(value) ?? (NUMERIC.test(value.trim()) ? levelFromNumber(Number(value), scale) : undefined)
}
