import { type FieldQuery, parseTextQuery, QuerySyntaxError, type TextQuery } from "../../domain/text-query.ts"
import { ALL, and, type Condition, exists, messageText, not, or } from "./condition.ts"
import { malformed, unsupported } from "./errors.ts"
import { resolveField } from "./fields.ts"

/**
 * `query_string`: Lucene syntax, read by LogFlow's own query parser (terms, "phrases",
 * `field:value`, wildcards, `[a TO b]` and `>n` ranges, AND / OR / NOT, `-term`, parentheses)
 * with Lucene's default operator, OR, between adjacent terms unless `default_operator` says
 * AND. Field names are then read the Elasticsearch way: `@timestamp` is the event time,
 * `message:` is full text, `_exists_:field` asks for a field to be present.
 */

const MESSAGE_DEFAULTS = new Set([undefined, "*", "_all", "message"])

export interface QueryStringBody {
  readonly query: string
  readonly default_operator?: string
  readonly default_field?: string
  readonly fields?: ReadonlyArray<string>
}

/** A field condition of the parsed query, with the Elasticsearch meaning of its field. */
const rewriteField = (query: FieldQuery, path: string): Condition => {
  const written = query.field.startsWith("attributes.") ? query.field.slice("attributes.".length) : query.field
  // Lucene's `field:/regex/` (Grafana's =~ ad-hoc filters): LogFlow's query language has no regular expressions.
  if (query.value.length > 1 && query.value.startsWith("/") && query.value.endsWith("/"))
    throw unsupported(path, `[${written}:${query.value}]: a regular expression`)
  if (written === "_exists_") return exists(resolveField(query.value))
  const field = resolveField(written)
  if (field.kind === "time") return { ...query, field: "timestamp" }
  if (field.kind === "field") return { ...query, field: field.name }
  if (query.op === "eq") return messageText(query.value)
  if (query.op === "wildcard" && /^[^*]+\*$/.test(query.value)) return { kind: "term", value: query.value.slice(0, -1), prefix: true }
  throw unsupported(path, `[${written}:${query.value}]: a range or an inner wildcard on the message`)
}

const rewrite = (query: TextQuery, path: string): Condition => {
  switch (query.kind) {
    case "field":
      return rewriteField(query, path)
    case "and":
      return and(query.children.map((c) => rewrite(c, path)))
    case "or":
      return or(query.children.map((c) => rewrite(c, path)))
    case "not":
      return not(rewrite(query.child, path))
    default:
      return query
  }
}

export const compileQueryString = (body: QueryStringBody, path: string): Condition => {
  if (!MESSAGE_DEFAULTS.has(body.default_field) || (body.fields ?? []).some((f) => !MESSAGE_DEFAULTS.has(f)))
    throw unsupported(`${path}.default_field`, "a default field other than the message")
  const operator = (body.default_operator ?? "OR").toUpperCase()
  if (operator !== "OR" && operator !== "AND") throw malformed(`${path}.default_operator`, `expects OR or AND, got [${body.default_operator}]`)
  let parsed: TextQuery | undefined
  try {
    parsed = parseTextQuery(body.query, { implicit: operator === "AND" ? "and" : "or" })
  } catch (e) {
    if (e instanceof QuerySyntaxError) throw malformed(path, `Failed to parse query [${body.query.slice(0, 200)}]: ${e.message}`)
    throw e
  }
  return parsed === undefined ? ALL : rewrite(parsed, path)
}
