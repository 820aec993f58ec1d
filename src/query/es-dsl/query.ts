import { words } from "../../domain/words.ts"
import { ALL, and, type Condition, compare, exists, messageText, NONE, not, or } from "./condition.ts"
import { malformed, tooExpensive, unsupported } from "./errors.ts"
import { type EsField, resolveField } from "./fields.ts"
import { compileQueryString, type QueryStringBody } from "./lucene.ts"
import { parseEsTime } from "./time.ts"

/**
 * The query DSL's leaf and compound queries, compiled into one Condition: `match_all`,
 * `match_none`, `bool` (`must` and `filter` all hold, `must_not` none, `should` at least
 * `minimum_should_match` of them — one by default when there is no `must` or `filter`, none
 * otherwise, as Elasticsearch scores them), `term`, `terms`, `match`, `match_phrase`,
 * `prefix`, `wildcard`, `exists`, `range` and `query_string`. Anything else is a 400 naming it.
 */

export interface CompileContext {
  readonly now: number
  readonly maxDepth: number
}

type Obj = Record<string, unknown>
const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v)

/** The one `{field: spec}` pair of a field-level query. */
const fieldEntry = (body: unknown, path: string): [string, unknown] => {
  if (!isObject(body)) throw malformed(path, "query malformed, expected an object")
  const entries = Object.entries(body).filter(([k]) => k !== "boost" && k !== "_name")
  if (entries.length !== 1) throw malformed(path, `query doesn't support multiple fields, found [${entries.map(([k]) => k).join(", ")}]`)
  return entries[0]!
}

const scalar = (value: unknown, path: string): string => {
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return String(value)
  throw malformed(path, "expects a string, a number or a boolean")
}

/** `{field: value}` or `{field: {value: …}}` (`term`, `prefix`, `wildcard`), or `{field: {query: …}}` (`match`). */
const fieldValue = (spec: unknown, key: "value" | "query", path: string): { value: string; options: Obj } => {
  if (isObject(spec)) return { value: scalar(spec[key], `${path}.${key}`), options: spec }
  return { value: scalar(spec, path), options: {} }
}

const equals = (field: EsField, value: string, now: number, path: string): Condition => {
  if (field.kind === "time") {
    const ms = String(parseEsTime(value, undefined, now, path))
    return compare(field, "range", ms, ms)
  }
  return compare(field, "eq", value)
}

const term = (body: unknown, context: CompileContext, path: string) => {
  const [name, spec] = fieldEntry(body, path)
  return equals(resolveField(name), fieldValue(spec, "value", `${path}.${name}`).value, context.now, `${path}.${name}`)
}

const terms = (body: unknown, context: CompileContext, path: string) => {
  const [name, values] = fieldEntry(body, path)
  if (!Array.isArray(values)) throw unsupported(`${path}.${name}`, "a terms lookup")
  const field = resolveField(name)
  return or(values.map((v, i) => equals(field, scalar(v, `${path}.${name}[${i}]`), context.now, `${path}.${name}`)))
}

const match = (body: unknown, context: CompileContext, path: string, phrase: boolean) => {
  const [name, spec] = fieldEntry(body, path)
  const { value, options } = fieldValue(spec, "query", `${path}.${name}`)
  const field = resolveField(name)
  if (field.kind !== "message") return equals(field, value, context.now, `${path}.${name}`)
  if (phrase) return messageText(value)
  const operator = String(options.operator ?? "or").toLowerCase()
  const found = words(value).map((w): Condition => ({ kind: "term", value: w, prefix: false }))
  if (found.length === 0) return ALL
  return operator === "and" ? and(found) : or(found)
}

const pattern = (body: unknown, path: string, prefix: boolean): Condition => {
  const [name, spec] = fieldEntry(body, path)
  const { value } = fieldValue(spec, "value", `${path}.${name}`)
  const field = resolveField(name)
  const glob = prefix ? `${value}*` : value
  if (field.kind === "field") return compare(field, "wildcard", glob)
  if (field.kind === "message" && /^[\p{L}\p{N}]+\*$/u.test(glob)) return { kind: "term", value: glob.slice(0, -1).toLowerCase(), prefix: true }
  throw unsupported(`${path}.${name}`, prefix ? "a prefix on the time field" : "a wildcard other than a word prefix on the message")
}

const BOUNDS = ["gte", "gt", "lte", "lt"] as const

const range = (body: unknown, context: CompileContext, path: string): Condition => {
  const [name, spec] = fieldEntry(body, path)
  if (!isObject(spec)) throw malformed(`${path}.${name}`, "expects an object of bounds")
  const field = resolveField(name)
  if (field.kind === "message") throw unsupported(`${path}.${name}`, "a range on the message")
  const format = typeof spec.format === "string" ? spec.format : undefined
  if (spec.time_zone !== undefined && !["UTC", "utc", "Z", "+00:00", "Etc/UTC"].includes(String(spec.time_zone)))
    throw unsupported(`${path}.${name}.time_zone`, "a time zone other than UTC")
  const parts: Condition[] = []
  for (const bound of BOUNDS) {
    const value = spec[bound]
    if (value === undefined || value === null) continue
    if (field.kind === "time") {
      let ms = parseEsTime(value, format, context.now, `${path}.${name}.${bound}`)
      // The store's bounds are inclusive milliseconds.
      if (bound === "gt") ms += 1
      if (bound === "lt") ms -= 1
      parts.push(compare(field, bound.startsWith("g") ? "gte" : "lte", String(ms)))
    } else parts.push(compare(field, bound, scalar(value, `${path}.${name}.${bound}`)))
  }
  return and(parts)
}

const clauses = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value])

const bool = (body: unknown, context: CompileContext, path: string, depth: number): Condition => {
  if (!isObject(body)) throw malformed(path, "query malformed, expected an object")
  for (const key of Object.keys(body))
    if (!["must", "filter", "must_not", "should", "minimum_should_match", "boost", "_name"].includes(key))
      throw malformed(`${path}.${key}`, "query does not support this key")
  const compileAll = (key: string) => clauses(body[key]).map((c, i) => compileQuery(c, context, `${path}.${key}[${i}]`, depth + 1))
  const required = [...compileAll("must"), ...compileAll("filter")]
  const excluded = compileAll("must_not").map(not)
  const should = compileAll("should")
  const minimum = body.minimum_should_match ?? (required.length === 0 && should.length > 0 ? 1 : 0)
  if (minimum !== 0 && minimum !== 1 && minimum !== "1" && minimum !== "0")
    throw unsupported(`${path}.minimum_should_match`, `minimum_should_match [${String(minimum)}] (LogFlow takes 0 or 1)`)
  const optional = Number(minimum) === 1 ? [or(should)] : []
  return and([...required, ...excluded, ...optional])
}

const queryString = (body: unknown, path: string): Condition => {
  if (!isObject(body) || typeof body.query !== "string") throw malformed(path, "requires a [query] string")
  return compileQueryString(body as unknown as QueryStringBody, path)
}

export const compileQuery = (node: unknown, context: CompileContext, path = "query", depth = 0): Condition => {
  if (depth > context.maxDepth) throw tooExpensive(`[${path}] queries nest deeper than ${context.maxDepth}`, "ES_SEARCH_MAX_QUERY_DEPTH")
  if (!isObject(node)) throw malformed(path, "query malformed, expected an object")
  const keys = Object.keys(node)
  if (keys.length !== 1)
    throw malformed(path, keys.length === 0 ? "query malformed, empty clause found" : `query malformed, expected one query, found [${keys.join(", ")}]`)
  const kind = keys[0]!
  const body = node[kind]
  const at = `${path}.${kind}`
  switch (kind) {
    case "match_all":
      return ALL
    case "match_none":
      return NONE
    case "bool":
      return bool(body, context, at, depth)
    case "term":
      return term(body, context, at)
    case "terms":
      return terms(body, context, at)
    case "match":
      return match(body, context, at, false)
    case "match_phrase":
      return match(body, context, at, true)
    case "prefix":
      return pattern(body, at, true)
    case "wildcard":
      return pattern(body, at, false)
    case "exists":
      if (!isObject(body) || typeof body.field !== "string") throw malformed(at, "requires a [field] string")
      return exists(resolveField(body.field))
    case "range":
      return range(body, context, at)
    case "query_string":
      return queryString(body, at)
    default:
      throw unsupported(at, `the [${kind}] query`)
  }
}
