/**
 * Builds `field:value` clauses for the query language from a value the console shows (a facet,
 * a field of a line), so a click can narrow a search without the user typing it.
 */

/** Names the query language reads as a field (see src/domain/text-query.ts). */
const FIELD_NAME = /^[A-Za-z_@][\w.@-]{0,127}$/
const RECORD_FIELDS = new Set(["service", "level", "host", "trace_id", "span_id", "correlation_id", "timestamp"])
/** A value that reads as itself when bare: no space, parenthesis, quote, wildcard, range or comparison. */
const BARE = /^[^\s()"*[\]<>][^\s()"*]*$/

/** The field name for an attribute key: prefixed when the key is also a field of the record itself. */
export const attributeField = (key: string) => (RECORD_FIELDS.has(key) ? `attributes.${key}` : key)

/**
 * `field:value`, quoted when needed, `-field:value` when negated; undefined when the language
 * cannot say it exactly (a value with a double quote, an empty value, an odd field name).
 */
export const fieldClause = (field: string, value: string, negate = false): string | undefined => {
  if (!FIELD_NAME.test(field) || value === "") return undefined
  const text = BARE.test(value) ? value : value.includes('"') ? undefined : `"${value}"`
  return text === undefined ? undefined : `${negate ? "-" : ""}${field}:${text}`
}

/**
 * The query and the clause ANDed: a query with a top-level OR is put in parentheses first, so
 * the clause narrows all of it and not only its last alternative.
 */
export const addClause = (query: string, clause: string) => {
  const q = query.trim()
  if (q === "") return clause
  return /(^|\s)OR(\s|$)/.test(q) ? `(${q}) ${clause}` : `${q} ${clause}`
}
