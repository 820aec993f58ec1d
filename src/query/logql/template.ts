import { LogqlError } from "./errors.ts"
import type { Labels } from "./labels.ts"

/**
 * The part of Go's text/template that `line_format` and `label_format` use: `{{.label}}`,
 * `{{__line__}}`, `{{__timestamp__}}`, pipes (`{{ .a | ToUpper }}`), function calls with
 * string and number arguments, and `{{if …}}…{{else}}…{{end}}`. Functions: ToUpper, ToLower,
 * upper, lower, title, trim, trimSpace, trimPrefix, trimSuffix, replace, substr, trunc,
 * default, printf (%s %d %v %f), len, contains, hasPrefix, hasSuffix, eq, ne, alignLeft,
 * alignRight. Parsed once per query; rendering is linear in the output, which is capped.
 */

type Value = string | number | boolean
type Operand = { kind: "field"; name: string } | { kind: "literal"; value: Value }
type Command = { fn?: string; args: Operand[] }
type Pipeline = Command[]
type Node = { kind: "text"; text: string } | { kind: "action"; pipeline: Pipeline } | { kind: "if"; condition: Pipeline; yes: Node[]; no: Node[] }

export interface RenderContext {
  readonly labels: Labels
  readonly line: string
  readonly timestampMs: number
}

const FUNCTIONS: Record<string, (...args: Value[]) => Value> = {
  ToUpper: (s) => String(s).toUpperCase(),
  ToLower: (s) => String(s).toLowerCase(),
  upper: (s) => String(s).toUpperCase(),
  lower: (s) => String(s).toLowerCase(),
  title: (s) => String(s).replace(/\b\w/g, (c) => c.toUpperCase()),
  trim: (s) => String(s).trim(),
  trimSpace: (s) => String(s).trim(),
  trimPrefix: (prefix, s) => (String(s).startsWith(String(prefix)) ? String(s).slice(String(prefix).length) : String(s)),
  trimSuffix: (suffix, s) => (String(s).endsWith(String(suffix)) ? String(s).slice(0, String(s).length - String(suffix).length) : String(s)),
  replace: (old, replacement, s) => String(s).replaceAll(String(old), String(replacement)),
  substr: (start, end, s) => String(s).slice(Number(start), Number(end)),
  trunc: (n, s) => (Number(n) >= 0 ? String(s).slice(0, Number(n)) : String(s).slice(Number(n))),
  default: (fallback, s) => (s === "" || s === undefined ? fallback : s),
  len: (s) => String(s).length,
  contains: (sub, s) => String(s).includes(String(sub)),
  hasPrefix: (prefix, s) => String(s).startsWith(String(prefix)),
  hasSuffix: (suffix, s) => String(s).endsWith(String(suffix)),
  eq: (a, b) => String(a) === String(b),
  ne: (a, b) => String(a) !== String(b),
  alignLeft: (n, s) => String(s).padEnd(Number(n)).slice(0, Number(n)),
  alignRight: (n, s) => String(s).padStart(Number(n)).slice(-Number(n)),
  printf: (format, ...args) => {
    let i = 0
    return String(format).replace(/%([sdvf%])/g, (_, verb: string) => {
      if (verb === "%") return "%"
      const arg = args[i++]
      if (verb === "d") return String(Math.trunc(Number(arg)))
      if (verb === "f") return Number(arg).toFixed(6)
      return String(arg ?? "")
    })
  }
}

const tokenizeAction = (text: string, at: number): string[] => {
  const tokens: string[] = []
  const re = /\s*("(?:[^"\\]|\\.)*"|`[^`]*`|\||[^\s|"`]+)/gy
  let match: RegExpExecArray | null
  while ((match = re.exec(text)) !== null) tokens.push(match[1]!)
  if (text.slice(re.lastIndex).trim() !== "" && tokens.join("").length === 0) throw new LogqlError({ message: `invalid template action at ${at}` })
  return tokens
}

const operandOf = (token: string): Operand => {
  if (token.startsWith('"')) return { kind: "literal", value: JSON.parse(token) as string }
  if (token.startsWith("`")) return { kind: "literal", value: token.slice(1, -1) }
  if (token.startsWith(".")) return { kind: "field", name: token.slice(1) }
  if (token === "__line__" || token === "__timestamp__") return { kind: "field", name: token }
  if (/^-?\d+(\.\d+)?$/.test(token)) return { kind: "literal", value: Number(token) }
  if (token === "true" || token === "false") return { kind: "literal", value: token === "true" }
  throw new LogqlError({ message: `unsupported template function or value '${token}' (supported: ${Object.keys(FUNCTIONS).join(", ")})` })
}

const parsePipeline = (tokens: string[], at: number): Pipeline => {
  const commands: Command[] = []
  let current: string[] = []
  const flush = () => {
    if (current.length === 0) throw new LogqlError({ message: `empty command in template at ${at}` })
    const [head, ...rest] = current
    commands.push(Object.hasOwn(FUNCTIONS, head!) ? { fn: head!, args: rest.map(operandOf) } : { args: current.map(operandOf) })
    current = []
  }
  for (const token of tokens) {
    if (token === "|") flush()
    else current.push(token)
  }
  flush()
  return commands
}

export const parseTemplate = (source: string): Node[] => {
  const root: Node[] = []
  const stack: Array<{ node: Extract<Node, { kind: "if" }>; inElse: boolean }> = []
  const target = () => {
    const top = stack.at(-1)
    return top ? (top.inElse ? top.node.no : top.node.yes) : root
  }
  let i = 0
  while (i < source.length) {
    const open = source.indexOf("{{", i)
    if (open === -1) {
      target().push({ kind: "text", text: source.slice(i) })
      break
    }
    if (open > i) target().push({ kind: "text", text: source.slice(i, open) })
    const close = source.indexOf("}}", open + 2)
    if (close === -1) throw new LogqlError({ message: `unclosed '{{' in template at ${open}` })
    const inner = source.slice(open + 2, close).replace(/^-\s?|\s?-$/g, "")
    const tokens = tokenizeAction(inner, open)
    if (tokens[0] === "if") {
      if (stack.length >= 16) throw new LogqlError({ message: "templates nest at most 16 ifs" })
      const node: Extract<Node, { kind: "if" }> = { kind: "if", condition: parsePipeline(tokens.slice(1), open), yes: [], no: [] }
      target().push(node)
      stack.push({ node, inElse: false })
    } else if (tokens[0] === "else") {
      const top = stack.at(-1)
      if (!top || top.inElse) throw new LogqlError({ message: `'else' without 'if' in template at ${open}` })
      top.inElse = true
    } else if (tokens[0] === "end") {
      if (!stack.pop()) throw new LogqlError({ message: `'end' without 'if' in template at ${open}` })
    } else target().push({ kind: "action", pipeline: parsePipeline(tokens, open) })
    i = close + 2
  }
  if (stack.length > 0) throw new LogqlError({ message: "'if' without 'end' in template" })
  return root
}

const operandValue = (operand: Operand, context: RenderContext): Value => {
  if (operand.kind === "literal") return operand.value
  if (operand.name === "__line__") return context.line
  if (operand.name === "__timestamp__") return new Date(context.timestampMs).toISOString()
  return context.labels[operand.name] ?? ""
}

const runPipeline = (pipeline: Pipeline, context: RenderContext): Value => {
  let piped: Value | undefined
  for (const command of pipeline) {
    const args = command.args.map((a) => operandValue(a, context))
    if (piped !== undefined) args.push(piped)
    if (command.fn === undefined) piped = args[0] ?? ""
    else piped = FUNCTIONS[command.fn]!(...args)
  }
  return piped ?? ""
}

const truthy = (v: Value) => v !== "" && v !== 0 && v !== false

export const renderTemplate = (nodes: ReadonlyArray<Node>, context: RenderContext, maxBytes: number): string => {
  let out = ""
  const walk = (list: ReadonlyArray<Node>) => {
    for (const node of list) {
      if (out.length > maxBytes) return
      if (node.kind === "text") out += node.text
      else if (node.kind === "action") out += String(runPipeline(node.pipeline, context))
      else walk(truthy(runPipeline(node.condition, context)) ? node.yes : node.no)
    }
  }
  walk(nodes)
  return out.length > maxBytes ? out.slice(0, maxBytes) : out
}

export type Template = ReturnType<typeof parseTemplate>
