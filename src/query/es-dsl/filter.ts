import { checkFieldQueries, fieldOperand } from "../../domain/field-query.ts"
import { exceededLimit, type QueryLimits } from "../../domain/query-cost.ts"
import type { SearchRequest } from "../../domain/search-request.ts"
import type { TextQuery } from "../../domain/text-query.ts"
import { and, type Condition } from "./condition.ts"
import { malformed } from "./errors.ts"

/**
 * A compiled query as the store's search: the time conditions every match must meet become the
 * search's time range (so stores prune by time, and date histograms know their span), the rest
 * its text query. Checked against the same limits as the native search API.
 */

export type SearchFilter = Omit<SearchRequest, "limit" | "cursor">

/** The filter, or undefined when the query can match nothing. */
export const toSearchFilter = (condition: Condition, now: number, limits: QueryLimits): SearchFilter | undefined => {
  if (condition.kind === "none") return undefined
  if (condition.kind === "all") return {}
  const parts = condition.kind === "and" ? condition.children : [condition]
  let from = Number.NEGATIVE_INFINITY
  let to = Number.POSITIVE_INFINITY
  const rest: TextQuery[] = []
  for (const part of parts) {
    const bound = part.kind === "field" && part.field === "timestamp" ? timeBounds(part, now) : undefined
    if (bound === undefined) rest.push(part)
    else {
      from = Math.max(from, bound.from)
      to = Math.min(to, bound.to)
    }
  }
  if (from > to) return undefined
  const text = rest.length === 0 ? undefined : (and(rest) as TextQuery)
  const problem = checkFieldQueries(text, now) ?? exceededLimit(text, limits)
  if (problem !== undefined) throw malformed("query", problem)
  return {
    ...(text === undefined ? {} : { text }),
    ...(Number.isFinite(from) ? { from: Math.max(0, from) } : {}),
    ...(Number.isFinite(to) ? { to } : {})
  }
}

const timeBounds = (query: Extract<TextQuery, { kind: "field" }>, now: number): { from: number; to: number } | undefined => {
  const low = fieldOperand(query, query.value, now)
  const high = query.to === undefined ? undefined : fieldOperand(query, query.to, now)
  if (typeof low !== "number" || (high !== undefined && typeof high !== "number")) return undefined
  switch (query.op) {
    case "gte":
      return { from: low, to: Number.POSITIVE_INFINITY }
    case "gt":
      return { from: low + 1, to: Number.POSITIVE_INFINITY }
    case "lte":
      return { from: Number.NEGATIVE_INFINITY, to: low }
    case "lt":
      return { from: Number.NEGATIVE_INFINITY, to: low - 1 }
    case "range":
    case "eq":
      return { from: low, to: high ?? low }
    default:
      return undefined
  }
}
