import { parseLevel } from "./level.ts"
import type { AttributeValue, LogRecord } from "./log-record.ts"
import { parseTime } from "./search-request.ts"
import type { FieldQuery, TextQuery } from "./text-query.ts"

/**
 * What a field condition means, shared by every store's compiler and the live-tail matcher:
 * numbers compare as numbers when both sides are numbers, `level` values are normalised,
 * `timestamp` values are times (`now-1h`, ISO-8601, epoch ms), anything else compares as text.
 */

export const isNumeric = (text: string) => /^-?\d+(\.\d+)?$/.test(text)

/**
 * `*` wildcards, case-insensitive like SQL's LIKE, in linear-ish time: the classic two-pointer
 * match that backtracks only to the last `*`, so no pattern can make it run away (a regular
 * expression with many `.*` can).
 */
export const globMatches = (pattern: string, text: string): boolean => {
  const p = pattern.toLowerCase()
  const t = text.toLowerCase()
  let pi = 0
  let ti = 0
  let star = -1
  let resume = 0
  while (ti < t.length) {
    if (pi < p.length && p[pi] !== "*" && p[pi] === t[ti]) {
      pi++
      ti++
    } else if (pi < p.length && p[pi] === "*") {
      star = pi++
      resume = ti
    } else if (star !== -1) {
      pi = star + 1
      ti = ++resume
    } else return false
  }
  while (pi < p.length && p[pi] === "*") pi++
  return pi === p.length
}

/** The comparable form of a condition's value for its field, or an error message. */
export const fieldOperand = (query: FieldQuery, value: string, now: number): string | number | Error => {
  if (query.field === "timestamp") {
    const ms = parseTime(value, now)
    return ms === undefined ? new Error(`'${value}' is not a time`) : ms
  }
  if (query.field === "level") {
    if (query.op === "wildcard") return value.toUpperCase()
    // Levels are names, not numbers: ordering them by spelling would mislead.
    if (query.op !== "eq") return new Error("takes a level name or a wildcard, not a range")
    return parseLevel(value) ?? new Error(`unknown level '${value}'`)
  }
  return value
}

/** Checks every field condition in a query; the first problem, or undefined. */
export const checkFieldQueries = (query: TextQuery | undefined, now: number): string | undefined => {
  if (query === undefined) return undefined
  switch (query.kind) {
    case "field": {
      for (const value of [query.value, ...(query.to === undefined ? [] : [query.to])]) {
        const operand = fieldOperand(query, value, now)
        if (operand instanceof Error) return `${query.field}: ${operand.message}`
      }
      return undefined
    }
    case "and":
    case "or":
      for (const child of query.children) {
        const problem = checkFieldQueries(child, now)
        if (problem) return problem
      }
      return undefined
    case "not":
      return checkFieldQueries(query.child, now)
    default:
      return undefined
  }
}

/** A record's value of a field (`timestamp`, a record field or `attributes.<key>`). */
export const fieldValueOf = (record: LogRecord, field: string): AttributeValue | undefined => {
  if (field === "timestamp") return record.timestamp
  if (field.startsWith("attributes.")) {
    const key = field.slice("attributes.".length)
    return Object.hasOwn(record.attributes, key) ? record.attributes[key] : undefined
  }
  return (record as unknown as Record<string, string | undefined>)[field]
}

/**
 * A field condition as a predicate over the field's value (undefined: the record lacks the
 * field), with the meaning stores give it. Operands are worked out once, so a store can test
 * a whole column with it.
 */
export const valueMatcher = (query: FieldQuery, now: number): ((actual: AttributeValue | undefined) => boolean) => {
  const low = fieldOperand(query, query.value, now)
  const high = query.to === undefined ? undefined : fieldOperand(query, query.to, now)
  if (low instanceof Error || high instanceof Error) return () => false
  if (query.op === "wildcard") return (actual) => actual !== undefined && globMatches(String(low), String(actual))
  const lowIsNumber = typeof low === "number" || isNumeric(String(low))
  const lowText = String(low)
  return (actual) => {
    if (actual === undefined) return false
    // Stores keep JSON booleans as 1 and 0.
    const comparable = typeof actual === "boolean" ? (actual ? 1 : 0) : actual
    // Numbers compare as numbers, also when an attribute holds a number as text ("503").
    const numeric = lowIsNumber && (typeof comparable === "number" || isNumeric(comparable))
    const a = numeric ? Number(comparable) : String(comparable)
    const b = numeric ? Number(low) : lowText
    switch (query.op) {
      case "eq":
        return a === b || String(actual) === lowText
      case "gt":
        return a > b
      case "gte":
        return a >= b
      case "lt":
        return a < b
      case "lte":
        return a <= b
      case "range":
        return a >= b && a <= (numeric ? Number(high) : String(high))
      default:
        return false
    }
  }
}
