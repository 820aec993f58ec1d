import { parseError } from "./errors.ts"

/** LogQL's tokens: punctuation and operators, strings (Go's quoted and raw forms), numbers, durations, byte sizes, names. */

export type Token =
  | { readonly type: "op"; readonly value: string; readonly pos: number }
  | { readonly type: "string"; readonly value: string; readonly pos: number }
  | { readonly type: "number"; readonly value: number; readonly pos: number; readonly text: string }
  | { readonly type: "duration"; readonly ms: number; readonly pos: number; readonly text: string }
  | { readonly type: "bytes"; readonly value: number; readonly pos: number; readonly text: string }
  | { readonly type: "ident"; readonly value: string; readonly pos: number }
  | { readonly type: "end"; readonly pos: number }

const OPERATORS = [
  "|=",
  "|~",
  "|>",
  "!=",
  "!~",
  "!>",
  "=~",
  "==",
  ">=",
  "<=",
  "{",
  "}",
  "(",
  ")",
  "[",
  "]",
  ",",
  "|",
  "=",
  ">",
  "<",
  "+",
  "-",
  "*",
  "/",
  "%",
  "^"
]

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 }
const BYTE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
  k: 1e3,
  m: 1e6,
  g: 1e9
}

/** `1h30m`, `500ms`, `2.5s`: milliseconds, or undefined when it is not a duration. */
export const parseDuration = (text: string): number | undefined => {
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d|w|y))+$/.test(text)) return undefined
  let ms = 0
  for (const [, n, , unit] of text.matchAll(/(\d+(\.\d+)?)(ms|s|m|h|d|w|y)/g)) ms += Number(n) * DURATION_UNITS[unit!]!
  return ms
}

/** `10KB`, `1.5MiB`: bytes, or undefined. */
export const parseBytes = (text: string): number | undefined => {
  const match = /^(\d+(?:\.\d+)?)([a-z]+)$/i.exec(text)
  const unit = match && BYTE_UNITS[match[2]!.toLowerCase()]
  return unit === undefined || unit === null ? undefined : Number(match![1]) * unit
}

const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", '"': '"', "\\": "\\", "'": "'", a: "\x07", b: "\b", f: "\f", v: "\v" }

const readQuoted = (input: string, start: number): { value: string; end: number } => {
  let out = ""
  let i = start + 1
  while (i < input.length) {
    const c = input[i]!
    if (c === '"') return { value: out, end: i + 1 }
    if (c === "\n") break
    if (c === "\\") {
      const next = input[i + 1]
      if (next === undefined) break
      if (next === "u" || next === "x") {
        const width = next === "u" ? 4 : 2
        const hex = input.slice(i + 2, i + 2 + width)
        if (!new RegExp(`^[0-9a-fA-F]{${width}}$`).test(hex)) throw parseError(i, "invalid escape in string")
        out += String.fromCharCode(Number.parseInt(hex, 16))
        i += 2 + width
        continue
      }
      const escaped = ESCAPES[next]
      if (escaped === undefined) throw parseError(i, `unknown escape sequence \\${next} in string`)
      out += escaped
      i += 2
      continue
    }
    out += c
    i++
  }
  throw parseError(start, "unterminated string")
}

export const tokenize = (input: string): Token[] => {
  const tokens: Token[] = []
  let i = 0
  while (i < input.length) {
    const c = input[i]!
    if (/\s/.test(c)) {
      i++
      continue
    }
    if (c === "#") {
      // A comment runs to the end of the line.
      while (i < input.length && input[i] !== "\n") i++
      continue
    }
    if (c === '"') {
      const { value, end } = readQuoted(input, i)
      tokens.push({ type: "string", value, pos: i })
      i = end
      continue
    }
    if (c === "`") {
      const end = input.indexOf("`", i + 1)
      if (end === -1) throw parseError(i, "unterminated raw string")
      tokens.push({ type: "string", value: input.slice(i + 1, end), pos: i })
      i = end + 1
      continue
    }
    if (/[0-9]/.test(c)) {
      const match = /^[0-9][0-9a-zA-Z.]*/.exec(input.slice(i, i + 64))!
      const text = match[0]
      const duration = parseDuration(text)
      const bytes = duration === undefined ? parseBytes(text) : undefined
      if (/^\d+(\.\d+)?([eE][+-]?\d+)?$/.test(text)) tokens.push({ type: "number", value: Number(text), pos: i, text })
      else if (duration !== undefined) tokens.push({ type: "duration", ms: duration, pos: i, text })
      else if (bytes !== undefined) tokens.push({ type: "bytes", value: bytes, pos: i, text })
      else throw parseError(i, `'${text}' is not a number, a duration or a byte size`)
      i += text.length
      continue
    }
    if (/[A-Za-z_]/.test(c)) {
      const match = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(input.slice(i, i + 256))!
      tokens.push({ type: "ident", value: match[0], pos: i })
      i += match[0].length
      continue
    }
    const op = OPERATORS.find((o) => input.startsWith(o, i))
    if (op === undefined) throw parseError(i, `unexpected character '${c}'`)
    tokens.push({ type: "op", value: op, pos: i })
    i += op.length
  }
  tokens.push({ type: "end", pos: input.length })
  return tokens
}
