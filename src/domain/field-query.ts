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

/** The comparable form of a condition's value for its field, or an error message. */
export const fieldOperand = (query: FieldQuery, value: string, now: number): string | number | Error => {
  if (query.field === "timestamp") {
    const ms = parseTime(value, now)
    return ms === undefined ? new Error(`'${value}' is not a time`) : ms
  }
  if (query.field === "level") {
    if (query.op === "wildcard") return value.toUpperCase()
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

const fieldValueOf = (record: LogRecord, field: string): AttributeValue | undefined => {
  if (field === "timestamp") return record.timestamp
  if (field.startsWith("attributes.")) return record.attributes[field.slice("attributes.".length)]
  return (record as unknown as Record<string, string | undefined>)[field]
}

const wildcardRegExp = (pattern: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*")}$`, "s")

/** Evaluates a field condition on a record (live tail), with the meaning stores give it. */
export const matchesField = (query: FieldQuery, record: LogRecord, now: number): boolean => {
  const actual = fieldValueOf(record, query.field)
  if (actual === undefined) return false
  const low = fieldOperand(query, query.value, now)
  if (low instanceof Error) return false
  if (query.op === "wildcard") return wildcardRegExp(String(low)).test(String(actual))
  const numeric = typeof actual === "number" && typeof low === "number"
    || typeof actual === "number" && isNumeric(String(low))
  const a = numeric ? Number(actual) : String(actual)
  const b = numeric ? Number(low) : String(low)
  switch (query.op) {
    case "eq":
      return a === b || String(actual) === String(low)
    case "gt":
      return a > b
    case "gte":
      return a >= b
    case "lt":
      return a < b
    case "lte":
      return a <= b
    case "range": {
      const high = fieldOperand(query, query.to!, now)
      if (high instanceof Error) return false
      return a >= b && a <= (numeric ? Number(high) : String(high))
    }
  }
}
