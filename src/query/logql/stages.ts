import type { LogRecord } from "../../domain/log-record.ts"
import { textLeaf } from "../../domain/text-match.ts"
import { fold, words } from "../../domain/words.ts"
import type { CompareOp, LabelPredicate, LineFilter, Matcher, Stage } from "./ast.ts"
import { type Labels, labelValue } from "./labels.ts"
import { parseBytes, parseDuration } from "./lexer.ts"
import { compileRegex, type Regex } from "./regex.ts"
import { compileLinePattern } from "./line-pattern.ts"
import { parseTemplate, renderTemplate } from "./template.ts"

/**
 * The pipeline stages LogFlow runs itself, over each candidate line the store found: line
 * filters it could not hand to the store, `json` and `logfmt` (labels from the line),
 * label filters, `line_format`, `label_format`, `drop`, `keep`, `decolorize`. A stage that
 * cannot parse a line marks it with `__error__`, as Loki does, rather than dropping it.
 * Regular expressions read at most `regexMaxBytes` of each line (the rest is not matched; the
 * count of such lines is reported), so one huge line costs a bounded time.
 */

export interface Entry {
  readonly record: LogRecord
  line: string
  labels: Labels
}

export interface PipelineBounds {
  readonly regexMaxBytes: number
  /** Longest line `line_format` may produce. */
  readonly lineMaxBytes: number
}

export interface PipelineStats {
  /** Lines longer than the regular-expression budget, matched on their start only. */
  truncatedRegexLines: number
}

type Step = (entry: Entry) => boolean

const budgeted = (re: Regex, bounds: PipelineBounds, stats: PipelineStats) => (text: string) => {
  if (text.length <= bounds.regexMaxBytes) return re.find(text)
  stats.truncatedRegexLines++
  return re.find(text.slice(0, bounds.regexMaxBytes))
}

/** `|=` and `!=` in LogFlow: whole words like the store (text without a letter or digit: as a substring). */
const containsText = (value: string): ((line: string) => boolean) => {
  if (words(value).length === 0) return (line) => line.includes(value)
  const { matches } = textLeaf({ kind: "phrase", value })
  return (line) => matches(fold(line))
}

const lineFilter = (stage: LineFilter, bounds: PipelineBounds, stats: PipelineStats): Step => {
  const tests =
    stage.op === "|=" || stage.op === "!="
      ? stage.values.map(containsText)
      : stage.op === "|>" || stage.op === "!>"
        ? stage.values.map(compileLinePattern)
        : stage.values.map((v) => budgeted(compileRegex(v), bounds, stats))
  const positive = stage.op === "|=" || stage.op === "|~" || stage.op === "|>"
  return (entry) => tests.some((t) => t(entry.line)) === positive
}

const sanitize = (name: string) => {
  const clean = name.replace(/[^A-Za-z0-9_]/g, "_")
  return /^[0-9]/.test(clean) ? `_${clean}` : clean
}

const addLabel = (labels: Labels, name: string, value: string, original: ReadonlySet<string>) => {
  const key = original.has(name) ? `${name}_extracted` : name
  labels[key] = value
}

const flatten = (value: unknown, prefix: string, out: Array<[string, string]>, depth: number) => {
  if (depth > 32 || value === null || Array.isArray(value)) return
  if (typeof value === "object") {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) flatten(v, prefix === "" ? sanitize(k) : `${prefix}_${sanitize(k)}`, out, depth + 1)
  } else out.push([prefix, String(value)])
}

/** `a.b[0]` or `a["b c"]` in a JSON value. */
const jsonPath = (root: unknown, path: string): unknown => {
  let value = root
  for (const [, name, index, quoted] of path.matchAll(/\.?([A-Za-z_][\w-]*)|\[(\d+)\]|\["([^"]*)"\]/g)) {
    if (value === null || typeof value !== "object") return undefined
    const key = name ?? quoted ?? Number(index)
    value = (value as Record<string | number, unknown>)[key]
  }
  return value
}

const jsonStage =
  (params: ReadonlyArray<{ name: string; path: string }>): Step =>
  (entry) => {
    let parsed: unknown
    try {
      parsed = JSON.parse(entry.line)
    } catch {
      parsed = undefined
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      entry.labels.__error__ = "JSONParserErr"
      entry.labels.__error_details__ = "the line is not a JSON object"
      return true
    }
    const original = new Set(Object.keys(entry.labels))
    if (params.length === 0) {
      const pairs: Array<[string, string]> = []
      flatten(parsed, "", pairs, 0)
      for (const [k, v] of pairs) addLabel(entry.labels, k, v, original)
    } else {
      for (const { name, path } of params) {
        const value = jsonPath(parsed, path)
        if (value !== undefined && value !== null) addLabel(entry.labels, name, typeof value === "object" ? JSON.stringify(value) : String(value), original)
      }
    }
    return true
  }

/** `key=value key2="quoted value"` pairs. */
export const logfmtPairs = (line: string): Array<[string, string]> => {
  const pairs: Array<[string, string]> = []
  const re = /([^\s=]+)(?:=("(?:[^"\\]|\\.)*"|\S*))?/g
  for (const [, key, raw] of line.matchAll(re)) {
    let value = raw ?? ""
    if (value.startsWith('"')) {
      try {
        value = JSON.parse(value) as string
      } catch {
        value = value.slice(1, -1)
      }
    }
    pairs.push([sanitize(key!), value])
  }
  return pairs
}

const logfmtStage =
  (params: ReadonlyArray<{ name: string; path: string }>): Step =>
  (entry) => {
    const original = new Set(Object.keys(entry.labels))
    const pairs = logfmtPairs(entry.line)
    if (params.length === 0) for (const [k, v] of pairs) addLabel(entry.labels, k, v, original)
    else {
      const found = new Map(pairs)
      for (const { name, path } of params) if (found.has(path)) addLabel(entry.labels, name, found.get(path)!, original)
    }
    return true
  }

const matcherTest = (m: Matcher): ((value: string) => boolean) => {
  if (m.op === "=") return (v) => v === m.value
  if (m.op === "!=") return (v) => v !== m.value
  const re = compileRegex(m.value)
  return m.op === "=~" ? (v) => re.full(v) : (v) => !re.full(v)
}

/** A label's value as a number, reading durations as seconds and byte sizes as bytes. */
export const numericValue = (text: string): number | undefined => {
  if (/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(text.trim())) return Number(text)
  const ms = parseDuration(text)
  if (ms !== undefined) return ms / 1000
  return parseBytes(text)
}

const compare = (op: CompareOp, a: number, b: number) =>
  op === "==" ? a === b : op === "!=" ? a !== b : op === ">" ? a > b : op === ">=" ? a >= b : op === "<" ? a < b : a <= b

type Predicate = (labels: Labels) => boolean | "error"

const predicateOf = (p: LabelPredicate): Predicate => {
  switch (p.kind) {
    case "match": {
      const test = matcherTest(p.matcher)
      return (labels) => test(labelValue(labels, p.matcher.name) ?? "")
    }
    case "compare":
      // As Loki's numeric filters: a line that already failed a stage passes (only string
      // matchers can drop it), a line without the label does not, a value that is no number
      // marks the line.
      return (labels) => {
        if (labels.__error__ !== undefined) return true
        const text = labelValue(labels, p.name)
        if (text === undefined) return false
        const n = numericValue(text)
        return n === undefined ? "error" : compare(p.op, n, p.value)
      }
    default: {
      const left = predicateOf(p.left)
      const right = predicateOf(p.right)
      return p.kind === "and"
        ? (labels) => {
            const l = left(labels)
            return l === false ? false : l === "error" ? (right(labels) === false ? false : "error") : right(labels)
          }
        : (labels) => {
            const l = left(labels)
            return l === true ? true : right(labels) === true ? true : l === "error" ? "error" : right(labels)
          }
    }
  }
}

const labelFilterStage = (predicate: LabelPredicate): Step => {
  const test = predicateOf(predicate)
  return (entry) => {
    const result = test(entry.labels)
    if (result !== "error") return result
    // Loki keeps a line whose label could not be converted, marked, for `| __error__=""` to drop.
    entry.labels.__error__ = "LabelFilterErr"
    return true
  }
}

const dropKeep = (kind: "drop" | "keep", list: ReadonlyArray<{ name: string; matcher?: Matcher }>): Step => {
  const rules = list.map((l) => ({ name: l.name, test: l.matcher ? matcherTest(l.matcher) : () => true }))
  return (entry) => {
    if (kind === "drop") {
      for (const rule of rules) if (entry.labels[rule.name] !== undefined && rule.test(entry.labels[rule.name]!)) delete entry.labels[rule.name]
    } else {
      const kept: Labels = {}
      for (const rule of rules) if (entry.labels[rule.name] !== undefined && rule.test(entry.labels[rule.name]!)) kept[rule.name] = entry.labels[rule.name]!
      entry.labels = kept
    }
    return true
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences start with ESC
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g

export const compilePipeline = (stages: ReadonlyArray<Stage>, bounds: PipelineBounds, stats: PipelineStats): ((entry: Entry) => boolean) => {
  const steps: Step[] = stages.map((stage): Step => {
    switch (stage.kind) {
      case "line_filter":
        return lineFilter(stage, bounds, stats)
      case "json":
        return jsonStage(stage.params)
      case "logfmt":
        return logfmtStage(stage.params)
      case "label_filter":
        return labelFilterStage(stage.predicate)
      case "line_format": {
        const template = parseTemplate(stage.template)
        return (entry) => {
          entry.line = renderTemplate(template, { labels: entry.labels, line: entry.line, timestampMs: entry.record.timestamp }, bounds.lineMaxBytes)
          return true
        }
      }
      case "label_format": {
        const rules = stage.assignments.map((a) => ({ ...a, compiled: a.template ? parseTemplate(a.value) : undefined }))
        return (entry) => {
          const context = { labels: { ...entry.labels }, line: entry.line, timestampMs: entry.record.timestamp }
          for (const rule of rules) {
            if (rule.compiled) entry.labels[rule.name] = renderTemplate(rule.compiled, context, bounds.lineMaxBytes)
            else if (entry.labels[rule.value] !== undefined) {
              entry.labels[rule.name] = entry.labels[rule.value]!
              if (rule.name !== rule.value) delete entry.labels[rule.value]
            }
          }
          return true
        }
      }
      case "drop":
      case "keep":
        return dropKeep(stage.kind, stage.labels)
      case "decolorize":
        return (entry) => {
          entry.line = entry.line.replace(ANSI, "")
          return true
        }
    }
  })
  return (entry) => {
    for (const step of steps) if (!step(entry)) return false
    return true
  }
}
