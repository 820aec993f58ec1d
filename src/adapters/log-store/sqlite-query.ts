import type { SQLQueryBindings } from "bun:sqlite"
import type { SearchRequest } from "../../domain/search-request.ts"
import { fieldOperand, isNumeric } from "../../domain/field-query.ts"
import type { FieldQuery, TextQuery } from "../../domain/text-query.ts"

/**
 * Compiles a SearchRequest to SQL. Only fixed fragments are joined; every user value is a
 * bound parameter (lists go through json_each), and text terms become quoted FTS5 strings.
 */

export interface CompiledWhere {
  readonly sql: string
  readonly params: SQLQueryBindings[]
}

const ftsString = (text: string) => `"${text.replaceAll("\"", "\"\"")}"`

/** The FTS5 MATCH expression for a subtree, or undefined when FTS5 cannot express it (a lone NOT). */
const toFts = (q: TextQuery): string | undefined => {
  switch (q.kind) {
    case "term":
      return ftsString(q.value) + (q.prefix ? "*" : "")
    case "phrase":
      return ftsString(q.value)
    case "or": {
      const parts = q.children.map(toFts)
      return parts.every((p) => p !== undefined) ? `(${parts.join(" OR ")})` : undefined
    }
    case "and": {
      const positive = q.children.filter((c) => c.kind !== "not").map(toFts)
      const negative = q.children.flatMap((c) => c.kind === "not" ? [toFts(c.child)] : [])
      if (positive.length === 0 || positive.includes(undefined) || negative.includes(undefined)) return undefined
      return `(${positive.join(" AND ")}${negative.map((n) => ` NOT ${n}`).join("")})`
    }
    case "not":
    case "field":
      return undefined
  }
}

const COLUMNS: Record<string, string> = {
  service: "service", level: "level", host: "host", trace_id: "trace_id", span_id: "span_id", correlation_id: "correlation_id", timestamp: "ts"
}

const likePattern = (wildcard: string) => wildcard.replace(/[\\%_]/g, "\\$&").replaceAll("*", "%")

/**
 * A field condition as SQL. Columns are chosen from a fixed map; an attribute is read with
 * json_extract and a bound JSON path (`$."key"`; field names cannot hold quotes). A record
 * without the field does not match (and so matches its negation), as in the live-tail matcher.
 * The comparison is NULL for such a record: outside any NOT, WHERE already drops NULL like
 * false, and the bare comparison lets SQLite use the (service, ts) and (level, ts) indexes;
 * under a NOT, IFNULL turns it into 0 so that its negation matches.
 */
const fieldCondition = (q: FieldQuery, params: SQLQueryBindings[], now: number, negated: boolean): string =>
  negated ? `IFNULL(${comparison(q, params, now)}, 0)` : comparison(q, params, now)

const comparison = (q: FieldQuery, params: SQLQueryBindings[], now: number): string => {
  const operand = (value: string) => {
    const v = fieldOperand(q, value, now)
    if (v instanceof Error) throw v // checked before search; see checkFieldQueries
    return v
  }
  const low = operand(q.value)
  const column = COLUMNS[q.field]
  let expression: string
  let numeric: boolean
  if (column !== undefined) {
    expression = column
    numeric = column === "ts"
  } else {
    params.push(`$."${q.field.slice("attributes.".length)}"`)
    numeric = isNumeric(String(low)) && (q.op !== "range" || isNumeric(q.to!))
    if (q.op === "eq" && numeric) {
      // An attribute may hold 42 or "42": match either.
      params.push(Number(low), String(low))
      return "json_extract(attributes, ?) IN (?, ?)"
    }
    if (q.op === "eq" && (low === "true" || low === "false")) {
      // JSON booleans come out of json_extract as 1 and 0.
      params.push(low === "true" ? 1 : 0, low)
      return "json_extract(attributes, ?) IN (?, ?)"
    }
    if (numeric && q.op !== "wildcard") {
      // Ordered comparisons on numbers also see numbers kept as text ("503"), as numbers;
      // other text never compares (the matcher's isNumeric, in GLOB terms).
      const path = params.at(-1)!
      params.push(path, path, path)
      expression = `CASE WHEN json_type(attributes, ?) IN ('integer', 'real')
        OR (json_extract(attributes, ?) GLOB '*[0-9]*' AND json_extract(attributes, ?) NOT GLOB '*[^0-9.-]*')
        THEN CAST(json_extract(attributes, ?) AS REAL) END`
    } else if (q.op === "wildcard") {
      // json_extract reads JSON booleans as 1 and 0; a pattern matches their text, `true` and
      // `false`, as in the live-tail matcher and the Elasticsearch/OpenSearch stores.
      const path = params.at(-1)!
      params.push(path)
      expression = "CASE json_type(attributes, ?) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE json_extract(attributes, ?) END"
    } else expression = "json_extract(attributes, ?)"
  }
  const bind = (v: string | number) => params.push(numeric ? Number(v) : String(v))
  switch (q.op) {
    case "eq":
      bind(low)
      return `${expression} = ?`
    case "wildcard":
      params.push(likePattern(String(low)))
      return `${expression} LIKE ? ESCAPE '\\'`
    case "range":
      bind(low)
      bind(operand(q.to!))
      return `${expression} BETWEEN ? AND ?`
    default:
      bind(low)
      return `${expression} ${{ gt: ">", gte: ">=", lt: "<", lte: "<=" }[q.op]} ?`
  }
}

/**
 * Full-text matches by rowid lookup: the matches are listed, fetched and sorted by time, which
 * is cheap when there are few. `+seq` (no rowid lookup) makes SQLite walk the time index
 * newest first instead and stop at the page size, which is cheap when there are many.
 */
const MATCH = { lookup: "seq IN (SELECT rowid FROM logs_fts WHERE logs_fts MATCH ?)", scan: "+seq IN (SELECT rowid FROM logs_fts WHERE logs_fts MATCH ?)" }
type MatchPlan = keyof typeof MATCH

const textCondition = (q: TextQuery, params: SQLQueryBindings[], now: number, plan: MatchPlan, negated = false): string => {
  const fts = toFts(q)
  if (fts !== undefined) {
    params.push(fts)
    return MATCH[plan]
  }
  switch (q.kind) {
    case "field":
      return fieldCondition(q, params, now, negated)
    case "not":
      return `NOT (${textCondition(q.child, params, now, plan, true)})`
    case "and": {
      // The full-text part of a mixed AND (`level:error timeout -retry`) is one FTS5 query:
      // FTS5 intersects and subtracts its own lists, far cheaper than one SQL list per word.
      const isText = (c: TextQuery) => toFts(c.kind === "not" ? c.child : c) !== undefined
      const text = q.children.filter(isText)
      if (text.some((c) => c.kind !== "not") && text.length > 1) {
        params.push(toFts({ kind: "and", children: text })!)
        const rest = q.children.filter((c) => !isText(c)).map((c) => textCondition(c, params, now, plan, negated))
        return `(${[MATCH[plan], ...rest].join(" AND ")})`
      }
      return `(${q.children.map((c) => textCondition(c, params, now, plan, negated)).join(" AND ")})`
    }
    case "or":
      return `(${q.children.map((c) => textCondition(c, params, now, plan, negated)).join(" OR ")})`
    default:
      throw new Error(`unreachable: ${q.kind} is always FTS-expressible`)
  }
}

/** `service IN (…)` and `level IN (…)` with the list bound as one JSON parameter. */
export const addServiceAndLevel = (
  filter: { readonly services?: ReadonlyArray<string> | undefined; readonly levels?: ReadonlyArray<string> | undefined },
  conditions: string[],
  params: SQLQueryBindings[]
) => {
  if (filter.services?.length) {
    conditions.push("service IN (SELECT value FROM json_each(?))")
    params.push(JSON.stringify(filter.services))
  }
  if (filter.levels?.length) {
    conditions.push("level IN (SELECT value FROM json_each(?))")
    params.push(JSON.stringify(filter.levels))
  }
}

/**
 * The FTS5 expression when the request is free text and nothing else (no filter, no time
 * range, no cursor): then the full-text index alone can count its matches.
 */
export const ftsOnly = (request: SearchRequest): string | undefined => {
  const { text, services, levels, correlation_id, trace_id, from, to, cursor } = request
  if (!text || services?.length || levels?.length || correlation_id !== undefined || trace_id !== undefined || from !== undefined || to !== undefined || cursor) return undefined
  return toFts(text)
}

/**
 * The WHERE clause; `withCursor` false gives the condition used for counting all matches.
 * `plan` says how full-text conditions find their rows (see MATCH).
 */
export const compileWhere = (request: SearchRequest, withCursor: boolean, plan: MatchPlan = "lookup"): CompiledWhere => {
  const conditions: string[] = []
  const params: SQLQueryBindings[] = []
  addServiceAndLevel(request, conditions, params)
  // Unindexed on purpose (an index per id would slow every insert): the newest-first scan of
  // logs_ts stops at the page size, and these ids are usually searched while they are recent.
  for (const field of ["correlation_id", "trace_id"] as const) {
    const value = request[field]
    if (value === undefined) continue
    conditions.push(`${field} = ?`)
    params.push(value)
  }
  if (request.from !== undefined) {
    conditions.push("ts >= ?")
    params.push(request.from)
  }
  if (request.to !== undefined) {
    conditions.push("ts <= ?")
    params.push(request.to)
  }
  if (request.text) conditions.push(textCondition(request.text, params, Date.now(), plan))
  if (withCursor && request.cursor) {
    conditions.push("(ts < ? OR (ts = ? AND seq < ?))")
    params.push(request.cursor.timestamp, request.cursor.timestamp, Number(request.cursor.tiebreak))
  }
  return { sql: conditions.length ? `WHERE ${conditions.join(" AND ")}` : "", params }
}
