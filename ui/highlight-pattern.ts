/**
 * Which words of a message a query matched, for <mark>: the free-text terms and phrases of the
 * query language (field conditions, operators and negated terms are left out). Approximate by
 * design — FTS5 tokenises on its own rules — but it marks what a reader would expect.
 */

const OPERATORS = new Set(["AND", "OR", "NOT"])

export const highlightTerms = (query: string): Array<{ text: string; prefix: boolean }> => {
  const terms: Array<{ text: string; prefix: boolean }> = []
  const tokens = query.match(/-?"[^"]*"|[^\s()]+/g) ?? []
  let negateNext = false
  for (const token of tokens) {
    if (token === "NOT") {
      negateNext = true
      continue
    }
    const negated = negateNext || token.startsWith("-")
    negateNext = false
    if (negated || OPERATORS.has(token)) continue
    if (token.startsWith('"')) {
      const phrase = token.slice(1, -1).trim()
      if (phrase) terms.push({ text: phrase, prefix: false })
      continue
    }
    // field:value (including quoted values) is a condition on a field, not on the message text.
    if (/^[\w.@-]+:/.test(token)) continue
    const prefix = token.endsWith("*")
    const text = token.replace(/\*+$/, "")
    if (text) terms.push({ text, prefix })
  }
  return terms
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** A case-insensitive pattern matching any term at a word start; undefined when nothing to mark. */
export const highlightPattern = (query: string): RegExp | undefined => {
  const terms = highlightTerms(query)
  if (terms.length === 0) return undefined
  const alternatives = terms
    .sort((a, b) => b.text.length - a.text.length)
    .map((t) => `${escapeRegExp(t.text).replace(/\s+/g, "\\s+")}${t.prefix ? "[\\p{L}\\p{N}_]*" : "(?![\\p{L}\\p{N}_])"}`)
  return new RegExp(`(?<![\\p{L}\\p{N}_])(?:${alternatives.join("|")})`, "giu")
}
