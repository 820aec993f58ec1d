import { Data } from "effect"
/**
 * Query syntax for `query=`: words, "exact phrases", `prefix*`, AND / OR / NOT (upper case),
 * `-word` as NOT, parentheses; adjacent terms mean AND. Fields: `service:api`, `level:error`,
 * `host:web-1`, `trace_id:…`, `correlation_id:…`, any attribute (`user_id:42` or
 * `attributes.user_id:42`), `"quoted values"`, wildcards (`service:pay*`), ranges
 * (`status:[500 TO 599]`, `duration_ms:>1000`, `>=`, `<`, `<=`; `timestamp:` takes times).
 * Parsed once into an AST that each store compiles for itself, so no user text is ever spliced
 * into a query.
 * Words and phrases without a letter or digit (`--`, `;`) are dropped, as every store's
 * tokenizer would drop them; a query of nothing else parses to `undefined` (no text filter).
 */

export type TextQuery =
  | { readonly kind: "term"; readonly value: string; readonly prefix: boolean }
  | { readonly kind: "phrase"; readonly value: string }
  | { readonly kind: "and"; readonly children: ReadonlyArray<TextQuery> }
  | { readonly kind: "or"; readonly children: ReadonlyArray<TextQuery> }
  | { readonly kind: "not"; readonly child: TextQuery }
  | FieldQuery

export type FieldOp = "eq" | "wildcard" | "range" | "gt" | "gte" | "lt" | "lte"

/** A condition on one field. `field` is a record field name or `attributes.<key>`. */
export interface FieldQuery {
  readonly kind: "field"
  readonly field: string
  readonly op: FieldOp
  readonly value: string
  /** Upper bound of a `range` (both bounds inclusive). */
  readonly to?: string
}

/** Fields of the record itself; any other name is an attribute. */
export const RECORD_FIELDS = ["service", "level", "host", "trace_id", "span_id", "correlation_id", "timestamp"] as const

const FIELD_NAME = /^[A-Za-z_@][\w.@-]{0,127}$/

export class QuerySyntaxError extends Data.TaggedError("QuerySyntaxError")<{ readonly position: number; readonly expected: string }> {
  override get message() {
    return `syntax error at position ${this.position}: expected ${this.expected}`
  }
}

type Token =
  | { type: "word"; value: string; pos: number }
  | { type: "phrase"; value: string; pos: number }
  | { type: "field"; query: FieldQuery; pos: number }
  | { type: "(" | ")" | "-" | "AND" | "OR" | "NOT" | "end"; pos: number }

const MAX_QUERY_LENGTH = 4096
/** Nesting of parentheses and NOTs together: deeper trees are refused, not handed to a store. */
const MAX_DEPTH = 32
const MAX_TERMS = 256

const tokenize = (input: string): Token[] => {
  const tokens: Token[] = []
  let i = 0
  while (i < input.length) {
    const c = input[i]!
    if (/\s/.test(c)) {
      i++
    } else if (c === "(" || c === ")") {
      tokens.push({ type: c, pos: i++ })
    } else if (c === '"') {
      const end = input.indexOf('"', i + 1)
      if (end === -1) throw new QuerySyntaxError({ position: input.length, expected: `a closing quote for the phrase opened at position ${i}` })
      tokens.push({ type: "phrase", value: input.slice(i + 1, end), pos: i })
      i = end + 1
    } else if (c === "-" && i + 1 < input.length && !/[\s)]/.test(input[i + 1]!)) {
      tokens.push({ type: "-", pos: i++ })
    } else if (fieldAt(input, i) !== undefined) {
      const start = i
      const name = fieldAt(input, i)!
      i += name.length + 1
      const { query, end } = fieldValue(input, i, normaliseField(name), start)
      tokens.push({ type: "field", query, pos: start })
      i = end
    } else {
      const start = i
      while (i < input.length && !/[\s()"]/.test(input[i]!)) i++
      const word = input.slice(start, i)
      if (word === "AND" || word === "OR" || word === "NOT") tokens.push({ type: word, pos: start })
      else tokens.push({ type: "word", value: word, pos: start })
    }
  }
  tokens.push({ type: "end", pos: input.length })
  return tokens
}

/** The field name if a `name:` starts at `i` (with a value after the colon), else undefined. */
const fieldAt = (input: string, i: number) => {
  const match = /^([A-Za-z_@][\w.@-]{0,127}):(?=[^\s)])/.exec(input.slice(i, i + 140))
  return match && FIELD_NAME.test(match[1]!) ? match[1] : undefined
}

const normaliseField = (name: string) => {
  const bare = name.startsWith("attributes.") ? name.slice("attributes.".length) : name
  return (RECORD_FIELDS as ReadonlyArray<string>).includes(name) ? name : `attributes.${bare}`
}

/** Reads a field's value at `i`: `"quoted"`, `[a TO b]`, `>n` / `>=n` / `<n` / `<=n`, or a bare word (`*` wildcards). */
const fieldValue = (input: string, i: number, field: string, start: number): { query: FieldQuery; end: number } => {
  const c = input[i]!
  if (c === '"') {
    const close = input.indexOf('"', i + 1)
    if (close === -1) throw new QuerySyntaxError({ position: input.length, expected: `a closing quote for the value opened at position ${i}` })
    return { query: { kind: "field", field, op: "eq", value: input.slice(i + 1, close) }, end: close + 1 }
  }
  if (c === "[") {
    const close = input.indexOf("]", i + 1)
    if (close === -1) throw new QuerySyntaxError({ position: input.length, expected: `']' closing the range opened at position ${i}` })
    const bounds = /^\s*(\S+)\s+TO\s+(\S+)\s*$/.exec(input.slice(i + 1, close))
    if (!bounds) throw new QuerySyntaxError({ position: i + 1, expected: "a range like [500 TO 599]" })
    return { query: { kind: "field", field, op: "range", value: bounds[1]!, to: bounds[2]! }, end: close + 1 }
  }
  let end = i
  while (end < input.length && !/[\s()]/.test(input[end]!)) end++
  const raw = input.slice(i, end)
  const comparison = /^(>=|<=|>|<)(.+)$/.exec(raw)
  if (comparison) {
    const op = ({ ">": "gt", ">=": "gte", "<": "lt", "<=": "lte" } as const)[comparison[1] as ">" | ">=" | "<" | "<="]
    return { query: { kind: "field", field, op, value: comparison[2]! }, end }
  }
  if (raw === "") throw new QuerySyntaxError({ position: start, expected: "a value after the field name" })
  return { query: { kind: "field", field, op: raw.includes("*") ? "wildcard" : "eq", value: raw }, end }
}

const hasWordCharacter = (text: string) => /[\p{L}\p{N}]/u.test(text)

/** Drops the operands that matched nothing searchable, collapsing what becomes empty or single. */
const combine = (kind: "and" | "or", parts: ReadonlyArray<TextQuery | undefined>): TextQuery | undefined => {
  const children = parts.filter((p): p is TextQuery => p !== undefined)
  return children.length <= 1 ? children[0] : { kind, children }
}

export interface ParseOptions {
  /**
   * What adjacent terms mean: `and` (LogFlow's query language) or `or` (Lucene's default
   * operator, as Elasticsearch's `query_string` reads it; there `-term` and `NOT term` still
   * exclude, whatever surrounds them).
   */
  readonly implicit?: "and" | "or"
}

export const parseTextQuery = (input: string, options: ParseOptions = {}): TextQuery | undefined => {
  const implicitOr = options.implicit === "or"
  if (input.length > MAX_QUERY_LENGTH) throw new QuerySyntaxError({ position: MAX_QUERY_LENGTH, expected: `a query of at most ${MAX_QUERY_LENGTH} characters` })
  const tokens = tokenize(input)
  let at = 0
  let terms = 0
  const peek = () => tokens[at]!
  const startsOperand = (t: Token) => t.type === "word" || t.type === "phrase" || t.type === "field" || t.type === "(" || t.type === "-" || t.type === "NOT"

  const parseOr = (depth: number): TextQuery | undefined => {
    const children = [parseAnd(depth)]
    for (;;) {
      if (peek().type === "OR") {
        at++
        children.push(parseAnd(depth))
      } else if (implicitOr && startsOperand(peek())) {
        children.push(parseAnd(depth))
      } else break
    }
    if (!implicitOr) return combine("or", children)
    // Lucene: a prohibited clause excludes, it is not one more alternative.
    const excluded = children.filter((c) => c?.kind === "not")
    const alternatives = children.filter((c) => c?.kind !== "not")
    return combine("and", [combine("or", alternatives), ...excluded])
  }
  const parseAnd = (depth: number): TextQuery | undefined => {
    const children = [parseUnary(depth)]
    for (;;) {
      if (peek().type === "AND") {
        at++
        children.push(parseUnary(depth))
      } else if (!implicitOr && startsOperand(peek())) {
        children.push(parseUnary(depth))
      } else break
    }
    return combine("and", children)
  }
  const parseUnary = (depth: number): TextQuery | undefined => {
    const t = peek()
    if (t.type === "NOT" || t.type === "-") {
      if (depth >= MAX_DEPTH) throw new QuerySyntaxError({ position: t.pos, expected: `at most ${MAX_DEPTH} nested NOTs and parentheses` })
      at++
      const child = parseUnary(depth + 1)
      // NOT NOT x is x.
      return child && (child.kind === "not" ? child.child : { kind: "not", child })
    }
    return parsePrimary(depth)
  }
  const parsePrimary = (depth: number): TextQuery | undefined => {
    const t = peek()
    if (t.type === "(") {
      if (depth >= MAX_DEPTH) throw new QuerySyntaxError({ position: t.pos, expected: `at most ${MAX_DEPTH} nested parentheses` })
      at++
      const inner = parseOr(depth + 1)
      if (peek().type !== ")") throw new QuerySyntaxError({ position: peek().pos, expected: "')'" })
      at++
      return inner
    }
    if ((t.type === "word" || t.type === "phrase") && !hasWordCharacter(t.value)) {
      at++
      return undefined
    }
    if (t.type === "field") {
      if (++terms > MAX_TERMS) throw new QuerySyntaxError({ position: t.pos, expected: `a query of at most ${MAX_TERMS} words and phrases` })
      at++
      return t.query
    }
    if ((t.type === "word" || t.type === "phrase") && ++terms > MAX_TERMS) {
      throw new QuerySyntaxError({ position: t.pos, expected: `a query of at most ${MAX_TERMS} words and phrases` })
    }
    if (t.type === "word") {
      at++
      const prefix = t.value.length > 1 && t.value.endsWith("*")
      return { kind: "term", value: prefix ? t.value.slice(0, -1) : t.value, prefix }
    }
    if (t.type === "phrase") {
      at++
      return { kind: "phrase", value: t.value }
    }
    throw new QuerySyntaxError({
      position: t.pos,
      expected: t.type === "end" ? "a word, a \"phrase\" or '('" : `a word, a "phrase" or '(' instead of '${t.type}'`
    })
  }

  const query = parseOr(0)
  if (peek().type !== "end") throw new QuerySyntaxError({ position: peek().pos, expected: "AND, OR or the end of the query" })
  return query
}
