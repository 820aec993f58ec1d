import type { estypes } from "@elastic/elasticsearch"
import { fieldOperand, isNumeric } from "../../../domain/field-query.ts"
import type { SearchRequest } from "../../../domain/search-request.ts"
import type { FieldQuery, TextQuery } from "../../../domain/text-query.ts"

/**
 * Compiles a SearchRequest to the Elasticsearch query DSL (also OpenSearch's). User values only
 * ever become values in the JSON tree, never query-string syntax, so nothing can be injected.
 * Field meanings follow `domain/field-query.ts`, as the SQLite compiler does.
 */

type Query = estypes.QueryDslQueryContainer

/** Record fields kept as keywords (timestamp is a date, compared as epoch ms). */
const KEYWORD_FIELDS = new Set(["service", "level", "host", "trace_id", "span_id", "correlation_id"])

/** Attribute values as text (`attr.<key>`) and, when they are numbers or numeric text, as numbers (`attr_num.<key>`). */
export const ATTR_TEXT = "attr"
export const ATTR_NUMBER = "attr_num"

/**
 * What the two engines of this query DSL disagree on. Elasticsearch maps `attr` and `attr_num`
 * with `subobjects: false`, so an attribute key keeps its dots as one field name. OpenSearch
 * (3.x) has no such mapping option: a dotted key would become nested objects, and `a` next to
 * `a.b` would collide. There the key is escaped (`%` → `%25`, `.` → `%2E`, one-to-one), in the
 * documents and in the queries alike.
 */
export interface Dialect {
  readonly engine: "elasticsearch" | "opensearch"
  /** The field name of an attribute key under `attr` / `attr_num`. */
  readonly attributeKey: (key: string) => string
}

export const ELASTICSEARCH_DIALECT: Dialect = { engine: "elasticsearch", attributeKey: (key) => key }
export const OPENSEARCH_DIALECT: Dialect = { engine: "opensearch", attributeKey: (key) => key.replaceAll("%", "%25").replaceAll(".", "%2E") }

/** Elasticsearch wildcards know `*` and `?`; our patterns only `*`, so `?` and `\` are literal. */
const wildcardPattern = (pattern: string) => pattern.replace(/[\\?]/g, "\\$&")

const operand = (q: FieldQuery, value: string, now: number) => {
  const v = fieldOperand(q, value, now)
  if (v instanceof Error) throw v // checked before search (checkFieldQueries)
  return v
}

const comparison = (field: string, q: FieldQuery, low: string | number, now: number): Query => {
  switch (q.op) {
    case "eq":
      return { term: { [field]: low } }
    case "wildcard":
      return { wildcard: { [field]: { value: wildcardPattern(String(low)), case_insensitive: true } } }
    case "range":
      return { range: { [field]: { gte: low, lte: operand(q, q.to!, now) } } }
    default:
      return { range: { [field]: { [q.op]: low } } }
  }
}

const fieldQuery = (q: FieldQuery, now: number, dialect: Dialect): Query => {
  const low = operand(q, q.value, now)
  if (q.field === "timestamp") return comparison("timestamp", q, low, now)
  if (KEYWORD_FIELDS.has(q.field)) return comparison(q.field, q, low, now)
  const key = dialect.attributeKey(q.field.slice("attributes.".length))
  const text = `${ATTR_TEXT}.${key}`
  const number = `${ATTR_NUMBER}.${key}`
  const numeric = isNumeric(String(low)) && (q.op !== "range" || isNumeric(q.to!))
  // An attribute may hold 42 or "42" (both match 42), and true matches like 1, as in SQLite.
  if (q.op === "eq" && numeric) return { bool: { should: [{ term: { [number]: Number(low) } }, { term: { [text]: String(low) } }], minimum_should_match: 1 } }
  if (q.op === "eq" && low === "true") return { bool: { should: [{ term: { [text]: "true" } }, { term: { [number]: 1 } }], minimum_should_match: 1 } }
  if (q.op === "eq" && low === "false") return { bool: { should: [{ term: { [text]: "false" } }, { term: { [number]: 0 } }], minimum_should_match: 1 } }
  // Ordered comparisons on numbers read the numeric copy: text that is not a number never compares.
  if (numeric && q.op !== "wildcard") {
    return comparison(number, q, Number(low), now)
  }
  return comparison(text, q, low, now)
}

/** A text query as DSL. Terms are phrases of their tokens (`logs;` is `logs`), as in FTS5. */
export const textQuery = (q: TextQuery, now: number, dialect: Dialect = ELASTICSEARCH_DIALECT): Query => {
  switch (q.kind) {
    case "term":
      return q.prefix ? { match_phrase_prefix: { message: { query: q.value, max_expansions: 1000 } } } : { match_phrase: { message: q.value } }
    case "phrase":
      return { match_phrase: { message: q.value } }
    case "and": {
      const positive = q.children.filter((c) => c.kind !== "not").map((c) => textQuery(c, now, dialect))
      const negative = q.children.flatMap((c) => (c.kind === "not" ? [textQuery(c.child, now, dialect)] : []))
      return { bool: { filter: positive, must_not: negative } }
    }
    case "or":
      return { bool: { should: q.children.map((c) => textQuery(c, now, dialect)), minimum_should_match: 1 } }
    case "not":
      // A record without the field matches the negation, as in the live-tail matcher.
      return { bool: { must_not: [textQuery(q.child, now, dialect)] } }
    case "field":
      return fieldQuery(q, now, dialect)
  }
}

export const serviceAndLevel = (filter: {
  readonly services?: ReadonlyArray<string> | undefined
  readonly levels?: ReadonlyArray<string> | undefined
}): Query[] => [
  ...(filter.services?.length ? [{ terms: { service: [...filter.services] } }] : []),
  ...(filter.levels?.length ? [{ terms: { level: [...filter.levels] } }] : [])
]

/** The filter of a search (everything but the cursor, which is `search_after`). */
export const compileSearch = (request: Omit<SearchRequest, "limit" | "cursor">, now = Date.now(), dialect: Dialect = ELASTICSEARCH_DIALECT): Query => {
  const filter: Query[] = serviceAndLevel(request)
  if (request.correlation_id !== undefined) filter.push({ term: { correlation_id: request.correlation_id } })
  if (request.trace_id !== undefined) filter.push({ term: { trace_id: request.trace_id } })
  if (request.from !== undefined || request.to !== undefined) {
    filter.push({
      range: { timestamp: { ...(request.from !== undefined ? { gte: request.from } : {}), ...(request.to !== undefined ? { lte: request.to } : {}) } }
    })
  }
  if (request.text) filter.push(textQuery(request.text, now, dialect))
  return { bool: { filter } }
}

/** Newest first; the id breaks ties between records of the same millisecond. */
export const NEWEST_FIRST: estypes.SortCombinations[] = [{ timestamp: { order: "desc" } }, { id: { order: "desc" } }]
export const OLDEST_FIRST: estypes.SortCombinations[] = [{ timestamp: { order: "asc" } }, { id: { order: "asc" } }]
