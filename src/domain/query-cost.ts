import type { TextQuery } from "./text-query.ts"

/**
 * What one query may ask for, whoever sends it (a search, a live tail, an alert rule): each
 * limit a setting, and a query beyond one is refused naming it, before any store sees it.
 */
export interface QueryLimits {
  /** Words, phrases and field conditions (SEARCH_MAX_TERMS). */
  readonly maxTerms: number
  /** `prefix*` words and `field:wild*card` conditions (SEARCH_MAX_WILDCARDS). */
  readonly maxWildcards: number
}

const count = (query: TextQuery, totals: { terms: number; wildcards: number }) => {
  switch (query.kind) {
    case "and":
    case "or":
      for (const child of query.children) count(child, totals)
      return
    case "not":
      count(query.child, totals)
      return
    case "term":
      totals.terms++
      if (query.prefix) totals.wildcards++
      return
    case "phrase":
      totals.terms++
      return
    case "field":
      totals.terms++
      if (query.op === "wildcard") totals.wildcards++
  }
}

/** The first limit the query goes beyond, as a message naming its setting; undefined when within all. */
export const exceededLimit = (query: TextQuery | undefined, limits: QueryLimits): string | undefined => {
  if (query === undefined) return undefined
  const totals = { terms: 0, wildcards: 0 }
  count(query, totals)
  if (totals.terms > limits.maxTerms) return `has ${totals.terms} terms; at most ${limits.maxTerms} are allowed (SEARCH_MAX_TERMS)`
  if (totals.wildcards > limits.maxWildcards) return `has ${totals.wildcards} wildcard terms; at most ${limits.maxWildcards} are allowed (SEARCH_MAX_WILDCARDS)`
  return undefined
}
