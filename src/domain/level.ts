import { LEVELS, type Level } from "./log-record.ts"

/** Spellings that shippers use for our six levels (lower-cased keys). */
const SYNONYMS: Record<string, Level> = {
  trace: "TRACE",
  finest: "TRACE",
  verbose: "TRACE",
  debug: "DEBUG",
  fine: "DEBUG",
  dbg: "DEBUG",
  info: "INFO",
  information: "INFO",
  informational: "INFO",
  notice: "INFO",
  log: "INFO",
  warn: "WARN",
  warning: "WARN",
  error: "ERROR",
  err: "ERROR",
  severe: "ERROR",
  fatal: "FATAL",
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
