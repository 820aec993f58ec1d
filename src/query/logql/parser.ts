import {
  type BinaryOp,
  type CompareOp,
  type Grouping,
  type LabelPredicate,
  type LineFilterOp,
  type LogQuery,
  type Matcher,
  type MatchOp,
  type MetricQuery,
  type Query,
  RANGE_FUNCTIONS,
  type RangeFunction,
  type Stage,
  UNWRAPPED_FUNCTIONS,
  type Unwrap,
  VECTOR_FUNCTIONS,
  type VectorFunction
} from "./ast.ts"
import { LogqlError, parseError, unsupported } from "./errors.ts"
import { type Token, tokenize } from "./lexer.ts"
import { checkLinePattern } from "./line-pattern.ts"
import { validateRegexes } from "./validate.ts"

/**
 * LogQL text → the AST, by recursive descent with PromQL's operator precedence. Anything outside
 * LogFlow's subset fails with the construct named; nesting and length are bounded, so no input
 * can make the parser recurse without end.
 */

export const MAX_QUERY_LENGTH = 16_384
const MAX_DEPTH = 64

const PRECEDENCE: Record<string, number> = {
  or: 1,
  and: 2,
  unless: 2,
  "==": 3,
  "!=": 3,
  ">": 3,
  ">=": 3,
  "<": 3,
  "<=": 3,
  "+": 4,
  "-": 4,
  "*": 5,
  "/": 5,
  "%": 5,
  "^": 6
}
const COMPARISONS = ["==", "!=", ">", ">=", "<", "<="]
const UNSUPPORTED_STAGES = ["pattern", "regexp", "unpack", "distinct", "label_replace", "ip"]

class Parser {
  private at = 0
  constructor(private readonly tokens: ReadonlyArray<Token>) {}

  peek(offset = 0): Token {
    return this.tokens[Math.min(this.at + offset, this.tokens.length - 1)]!
  }
  next(): Token {
    return this.tokens[Math.min(this.at++, this.tokens.length - 1)]!
  }
  isOp(value: string, offset = 0) {
    const t = this.peek(offset)
    return t.type === "op" && t.value === value
  }
  isIdent(value: string, offset = 0) {
    const t = this.peek(offset)
    return t.type === "ident" && t.value === value
  }
  describe(t: Token) {
    if (t.type === "end") return "the end of the query"
    if (t.type === "string") return `"${t.value}"`
    if (t.type === "op" || t.type === "ident") return `'${t.value}'`
    return `'${t.text}'`
  }
  fail(expected: string, t: Token = this.peek()): never {
    throw parseError(t.pos, `expected ${expected}, found ${this.describe(t)}`)
  }
  expectOp(value: string) {
    if (!this.isOp(value)) this.fail(`'${value}'`)
    this.next()
  }
  expectString(what: string): string {
    const t = this.peek()
    if (t.type !== "string") this.fail(what)
    this.next()
    return t.value
  }
  expectIdent(what: string): string {
    const t = this.peek()
    if (t.type !== "ident") this.fail(what)
    this.next()
    return t.value
  }

  query(): Query {
    const query = this.expr(0, 0)
    if (this.peek().type !== "end") this.fail("an operator or the end of the query")
    return query
  }

  expr(minPrecedence: number, depth: number): Query {
    if (depth > MAX_DEPTH) throw parseError(this.peek().pos, `more than ${MAX_DEPTH} nested expressions`)
    let left = this.unary(depth)
    for (;;) {
      const t = this.peek()
      const op = t.type === "op" || t.type === "ident" ? t.value : undefined
      const precedence = op === undefined ? undefined : PRECEDENCE[op]
      if (precedence === undefined || precedence < minPrecedence || (t.type === "ident" && !["and", "or", "unless"].includes(op!))) break
      this.next()
      const bool = COMPARISONS.includes(op!) && this.isIdent("bool")
      if (bool) this.next()
      if (this.isIdent("on") || this.isIdent("ignoring") || this.isIdent("group_left") || this.isIdent("group_right"))
        throw unsupported(`vector matching ('${(this.peek() as { value: string }).value}')`)
      // ^ is right-associative; the others bind to the left.
      const right = this.expr(op === "^" ? precedence : precedence + 1, depth + 1)
      left = { kind: "binary", op: op as BinaryOp, left: this.metric(left, t), right: this.metric(right, t), bool }
    }
    return left
  }

  metric(query: Query, at: Token): MetricQuery {
    if (query.kind === "log") throw parseError(at.pos, "a log query cannot be an operand of a binary operation; wrap it in a range aggregation")
    return query
  }

  unary(depth: number): Query {
    if (this.isOp("-") || this.isOp("+")) {
      const sign = this.next()
      const operand = this.metric(this.unary(depth + 1), sign)
      if (sign.type === "op" && sign.value === "+") return operand
      return operand.kind === "number"
        ? { kind: "number", value: -operand.value }
        : { kind: "binary", op: "*", left: operand, right: { kind: "number", value: -1 }, bool: false }
    }
    return this.primary(depth)
  }

  primary(depth: number): Query {
    const t = this.peek()
    if (t.type === "op" && t.value === "{") return this.logQuery()
    if (t.type === "op" && t.value === "(") {
      this.next()
      const inner = this.expr(0, depth + 1)
      this.expectOp(")")
      return inner
    }
    if (t.type === "number") {
      this.next()
      return { kind: "number", value: t.value }
    }
    if (t.type === "ident") {
      if ((RANGE_FUNCTIONS as ReadonlyArray<string>).includes(t.value)) return this.rangeAggregation(t.value as RangeFunction, depth)
      if ((VECTOR_FUNCTIONS as ReadonlyArray<string>).includes(t.value)) return this.vectorAggregation(t.value as VectorFunction, depth)
      if (t.value === "vector") {
        this.next()
        this.expectOp("(")
        const n = this.peek()
        if (n.type !== "number") this.fail("a number in vector()")
        this.next()
        this.expectOp(")")
        return { kind: "vector", value: n.value }
      }
      throw unsupported(`the function or keyword '${t.value}'`)
    }
    return this.fail("a stream selector '{…}', an aggregation, a function or a number")
  }

  matchers(): Matcher[] {
    this.expectOp("{")
    const matchers: Matcher[] = []
    while (!this.isOp("}")) {
      const name = this.expectIdent("a label name")
      const op = this.peek()
      if (op.type !== "op" || !["=", "!=", "=~", "!~"].includes(op.value)) this.fail("=, !=, =~ or !~")
      this.next()
      matchers.push({ name, op: op.value as MatchOp, value: this.expectString("a quoted label value") })
      if (this.isOp(",")) this.next()
      else if (!this.isOp("}")) this.fail("',' or '}'")
    }
    this.next()
    if (matchers.length === 0)
      throw new LogqlError({ message: "queries require at least one regexp or equality matcher that does not have an empty-compatible value" })
    return matchers
  }

  logQuery(): LogQuery {
    return { kind: "log", matchers: this.matchers(), stages: this.stages().stages }
  }

  /** Pipeline stages, up to an `| unwrap` (which ends them) or anything that is not a stage. */
  stages(): { stages: Stage[]; unwrap?: Unwrap } {
    const stages: Stage[] = []
    for (;;) {
      const t = this.peek()
      if (t.type === "op" && ["|=", "!=", "|~", "!~", "|>", "!>"].includes(t.value)) {
        this.next()
        stages.push(this.lineFilter(t.value as LineFilterOp))
      } else if (t.type === "op" && t.value === "|") {
        this.next()
        const stage = this.stage()
        if ("unwrap" in stage) return { stages, unwrap: stage.unwrap }
        stages.push(stage)
      } else return { stages }
    }
  }

  lineFilter(op: LineFilterOp): Stage {
    if (this.peek().type === "ident") throw unsupported(`the line filter function '${(this.peek() as { value: string }).value}()'`)
    const values = [this.expectString("a quoted string after the line filter")]
    while (this.isIdent("or") && this.peek(1).type === "string") {
      this.next()
      values.push(this.expectString("a quoted string"))
    }
    if (op === "|>" || op === "!>") for (const value of values) checkLinePattern(value)
    return { kind: "line_filter", op, values }
  }

  stage(): Stage | { unwrap: Unwrap } {
    const t = this.peek()
    // `| name op value` is a label filter (a label may be called json); `| name …` is a stage.
    if (t.type === "ident" && !this.startsComparison(1)) return this.namedStage(t.value)
    return { kind: "label_filter", predicate: this.labelOr(0) }
  }

  startsComparison(offset: number) {
    const t = this.peek(offset)
    return t.type === "op" && ["=", "!=", "=~", "!~", "==", ">", ">=", "<", "<="].includes(t.value)
  }

  namedStage(name: string): Stage | { unwrap: Unwrap } {
    const at = this.next()
    switch (name) {
      case "json":
      case "logfmt": {
        if (name === "logfmt" && this.isOp("-")) throw unsupported("logfmt flags (--strict, --keep-empty)")
        return { kind: name, params: this.extractionParams() }
      }
      case "line_format":
        return { kind: "line_format", template: this.expectString("a quoted template after line_format") }
      case "label_format":
        return { kind: "label_format", assignments: this.labelAssignments() }
      case "drop":
      case "keep":
        return { kind: name, labels: this.labelList() }
      case "decolorize":
        return { kind: "decolorize" }
      case "unwrap":
        return { unwrap: this.unwrap() }
      default:
        if (UNSUPPORTED_STAGES.includes(name)) throw unsupported(`the '| ${name}' stage`)
        return this.fail("a pipeline stage (json, logfmt, line_format, label_format, drop, keep, unwrap) or a label filter", at)
    }
  }

  /** `| json a, b="x.y"`: the labels to extract (all of them when none are named). */
  extractionParams() {
    const params: Array<{ name: string; path: string }> = []
    while (this.peek().type === "ident") {
      const name = this.expectIdent("a label name")
      let path = name
      if (this.isOp("=")) {
        this.next()
        path = this.expectString("a quoted expression")
      }
      params.push({ name, path })
      if (!this.isOp(",")) break
      this.next()
    }
    return params
  }

  labelAssignments() {
    const assignments: Array<{ name: string; value: string; template: boolean }> = []
    do {
      if (assignments.length > 0) this.next()
      const name = this.expectIdent("a label name")
      this.expectOp("=")
      const t = this.peek()
      if (t.type === "string") assignments.push({ name, value: t.value, template: true })
      else if (t.type === "ident") assignments.push({ name, value: t.value, template: false })
      else this.fail("a quoted template or a label name")
      this.next()
    } while (this.isOp(","))
    return assignments
  }

  labelList() {
    const labels: Array<{ name: string; matcher?: Matcher }> = []
    do {
      if (labels.length > 0) this.next()
      const name = this.expectIdent("a label name")
      const op = this.peek()
      if (op.type === "op" && ["=", "!=", "=~", "!~"].includes(op.value)) {
        this.next()
        labels.push({ name, matcher: { name, op: op.value as MatchOp, value: this.expectString("a quoted value") } })
      } else labels.push({ name })
    } while (this.isOp(","))
    return labels
  }

  unwrap(): Unwrap {
    const name = this.expectIdent("a label name after unwrap")
    if (this.isOp("(")) {
      if (!["duration", "duration_seconds", "bytes"].includes(name)) throw unsupported(`the unwrap conversion '${name}()'`)
      this.next()
      const label = this.expectIdent("a label name")
      this.expectOp(")")
      return { label, conversion: name as Unwrap["conversion"] }
    }
    return { label: name }
  }

  labelOr(depth: number): LabelPredicate {
    let left = this.labelAnd(depth)
    while (this.isIdent("or")) {
      this.next()
      left = { kind: "or", left, right: this.labelAnd(depth) }
    }
    return left
  }

  labelAnd(depth: number): LabelPredicate {
    let left = this.labelAtom(depth)
    while (this.isIdent("and") || (this.isOp(",") && this.peek(1).type === "ident" && this.startsComparison(2))) {
      this.next()
      left = { kind: "and", left, right: this.labelAtom(depth) }
    }
    return left
  }

  labelAtom(depth: number): LabelPredicate {
    if (depth > MAX_DEPTH) throw parseError(this.peek().pos, `more than ${MAX_DEPTH} nested label filters`)
    if (this.isOp("(")) {
      this.next()
      const inner = this.labelOr(depth + 1)
      this.expectOp(")")
      return inner
    }
    const name = this.expectIdent("a label filter (name op value)")
    const op = this.peek()
    if (op.type !== "op" || !this.startsComparison(0)) return this.fail("a comparison operator (=, !=, =~, !~, ==, >, >=, <, <=)")
    this.next()
    const value = this.peek()
    if (value.type === "string") {
      this.next()
      if (op.value === "==" || op.value === "=") return { kind: "match", matcher: { name, op: "=", value: value.value } }
      if (["!=", "=~", "!~"].includes(op.value)) return { kind: "match", matcher: { name, op: op.value as MatchOp, value: value.value } }
      return this.fail(`a number, a duration or a byte size after '${op.value}'`, value)
    }
    if (value.type === "ident" && value.value === "ip") throw unsupported("ip() label filters")
    if (value.type !== "number" && value.type !== "duration" && value.type !== "bytes")
      return this.fail("a quoted string, a number, a duration or a byte size", value)
    const number = value.type === "duration" ? value.ms / 1000 : value.value
    if (op.value === "=~" || op.value === "!~") return this.fail("a quoted regular expression", value)
    this.next()
    const compareOp = (op.value === "=" ? "==" : op.value) as CompareOp
    return { kind: "compare", name, op: compareOp, value: number, text: value.text }
  }

  grouping(): Grouping | undefined {
    if (!this.isIdent("by") && !this.isIdent("without")) return undefined
    const without = this.next().type === "ident" && (this.peek(-1) as { value: string }).value === "without"
    this.expectOp("(")
    const labels: string[] = []
    while (!this.isOp(")")) {
      labels.push(this.expectIdent("a label name"))
      if (this.isOp(",")) this.next()
      else if (!this.isOp(")")) this.fail("',' or ')'")
    }
    this.next()
    return { without, labels }
  }

  rangeAggregation(fn: RangeFunction, depth: number): MetricQuery {
    this.next()
    this.expectOp("(")
    let param: number | undefined
    if (fn === "quantile_over_time") {
      const p = this.peek()
      if (p.type !== "number") this.fail("the quantile (a number) as quantile_over_time's first parameter")
      this.next()
      param = p.value
      this.expectOp(",")
    }
    if (!this.isOp("{")) this.fail("a stream selector '{…}'")
    const matchers = this.matchers()
    let rangeMs = this.range()
    const { stages, unwrap } = this.stages()
    if (rangeMs === undefined) rangeMs = this.range()
    if (rangeMs === undefined) this.fail("a range like [5m]")
    let offsetMs = 0
    if (this.isIdent("offset")) {
      this.next()
      const d = this.peek()
      if (d.type !== "duration") this.fail("a duration after offset")
      this.next()
      offsetMs = d.ms
    }
    this.expectOp(")")
    const grouping = this.grouping()
    const needsUnwrap = UNWRAPPED_FUNCTIONS.includes(fn)
    if (needsUnwrap && !unwrap) throw new LogqlError({ message: `invalid aggregation ${fn} without unwrap` })
    if (!needsUnwrap && unwrap) throw new LogqlError({ message: `invalid aggregation ${fn} with unwrap` })
    if (grouping && !needsUnwrap) throw new LogqlError({ message: `grouping not allowed for ${fn} aggregation` })
    if (depth > MAX_DEPTH) throw parseError(this.peek().pos, "too deeply nested")
    return {
      kind: "range",
      fn,
      log: { kind: "log", matchers, stages },
      rangeMs,
      offsetMs,
      ...(unwrap ? { unwrap } : {}),
      ...(param === undefined ? {} : { param }),
      ...(grouping ? { grouping } : {})
    }
  }

  range(): number | undefined {
    if (!this.isOp("[")) return undefined
    this.next()
    const d = this.peek()
    if (d.type !== "duration") this.fail("a duration like 5m")
    this.next()
    this.expectOp("]")
    if (d.ms <= 0) throw parseError(d.pos, "the range must be positive")
    return d.ms
  }

  vectorAggregation(fn: VectorFunction, depth: number): MetricQuery {
    this.next()
    let grouping = this.grouping()
    this.expectOp("(")
    let param: number | undefined
    if (fn === "topk" || fn === "bottomk") {
      const p = this.peek()
      if (p.type !== "number" || !Number.isInteger(p.value) || p.value < 1) this.fail(`a positive whole number as ${fn}'s first parameter`)
      this.next()
      param = p.value
      this.expectOp(",")
    }
    const inner = this.metric(this.expr(0, depth + 1), this.peek())
    this.expectOp(")")
    grouping ??= this.grouping()
    return { kind: "vector_agg", fn, inner, ...(grouping ? { grouping } : {}), ...(param === undefined ? {} : { param }) }
  }
}

export const parseLogql = (input: string): Query => {
  if (input.length > MAX_QUERY_LENGTH) throw new LogqlError({ message: `the query is longer than ${MAX_QUERY_LENGTH} characters` })
  if (input.trim() === "") throw new LogqlError({ message: "the query is empty" })
  const query = new Parser(tokenize(input)).query()
  validateRegexes(query)
  return query
}
