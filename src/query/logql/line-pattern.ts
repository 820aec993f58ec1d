import { LogqlError } from "./errors.ts"

/**
 * Loki's pattern match filters, `|> "<_> timeout after <_>"` and `!>`: literal text with `<_>`
 * standing for any text that is not empty. Logs Drilldown writes them when a user includes or
 * excludes one of the patterns `/loki/api/v1/patterns` lists. A line matches as Loki's
 * pattern.Matcher.Test decides (pkg/logql/log/pattern): each literal found after the previous
 * one, none right after a `<_>` with nothing between; a pattern ending on a literal needs the
 * line to end there, one ending on `<_>` needs text left over.
 */

type Part = { readonly literal: string } | { readonly capture: true }

const CAPTURE = /<([A-Za-z_][A-Za-z0-9_]*)>/g

const partsOf = (pattern: string): Part[] => {
  const parts: Part[] = []
  let at = 0
  for (const match of pattern.matchAll(CAPTURE)) {
    if (match.index > at) parts.push({ literal: pattern.slice(at, match.index) })
    parts.push({ capture: true })
    at = match.index + match[0].length
  }
  if (at < pattern.length) parts.push({ literal: pattern.slice(at) })
  return parts
}

/** Throws Loki's complaint for what a pattern line filter cannot hold: named captures, two captures in a row. */
export const checkLinePattern = (pattern: string): void => {
  for (const match of pattern.matchAll(CAPTURE)) {
    if (match[1] !== "_") throw new LogqlError({ message: `parse error: named captures are not allowed in the pattern line filter "${pattern}"; use <_>` })
  }
  const parts = partsOf(pattern)
  for (let i = 1; i < parts.length; i++) {
    if ("capture" in parts[i]! && "capture" in parts[i - 1]!)
      throw new LogqlError({ message: `parse error: consecutive captures are not allowed in "${pattern}"` })
  }
}

export const compileLinePattern = (pattern: string): ((line: string) => boolean) => {
  const parts = partsOf(pattern)
  if (parts.length === 0) return (line) => line.length === 0
  const endsOnCapture = "capture" in parts.at(-1)!
  return (line) => {
    if (line.length === 0) return false
    let offset = 0
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!
      if (!("literal" in part)) continue
      const j = line.indexOf(part.literal, offset)
      if (j === -1 || (i !== 0 && j === offset)) return false
      offset = j + part.literal.length
    }
    return endsOnCapture === (offset !== line.length)
  }
}

/** A pattern of LogFlow's (`<*>`, `<NUM>`, `<IP>` … for the variable parts) as Loki writes one, every variable part `<_>`. */
export const lokiPattern = (template: string): string => template.replace(/<[A-Z*][A-Z_]*>/g, "<_>").replace(/(<_>)+/g, "<_>")
