import { isNumeric } from "../../../domain/field-query.ts"
import type { SearchRequest } from "../../../domain/search-request.ts"
import type { TextQuery } from "../../../domain/text-query.ts"
import { words } from "../../../domain/words.ts"
import { fieldToken } from "./block-codec.ts"

/**
 * What the block-level full-text index can say about a search: an FTS5 expression that every
 * block holding a match satisfies (its words, and tokens for exact hosts), or undefined when
 * it can rule no block out (a lone NOT, a wildcard field). It only narrows the candidates; block-filter.ts decides each record. Expressions are built
 * from words of letters and digits and our own tokens, always quoted: no user text reaches
 * FTS5's syntax.
 */

// Words FTS5 and words.ts certainly split alike: outside ASCII their tokenizers can differ, and
// such words are then left to the record check rather than risk ruling out a matching block.
const INDEXABLE = /^[a-z0-9]+$/

const all = (parts: ReadonlyArray<string | undefined>): string | undefined => {
  // The same term twice narrows nothing more: FTS5 is asked once.
  const known = [...new Set(parts.filter((p) => p !== undefined))]
  return known.length === 0 ? undefined : known.length === 1 ? known[0] : `(${known.join(" AND ")})`
}

const wordsOf = (text: string, prefix: boolean) => {
  const ws = words(text)
  return all(ws.map((w, i) => (INDEXABLE.test(w) ? `"${w}"${prefix && ws.length === 1 && i === 0 ? "*" : ""}` : undefined)))
}

const termsOf = (q: TextQuery): string | undefined => {
  switch (q.kind) {
    case "term":
      return wordsOf(q.value, q.prefix)
    case "phrase":
      return wordsOf(q.value, false)
    case "and":
      return all(q.children.map(termsOf))
    case "or": {
      const parts = q.children.map(termsOf)
      return parts.some((p) => p === undefined) ? undefined : `(${parts.join(" OR ")})`
    }
    case "not":
      return undefined
    case "field":
      // Only exact text: a number may also match as a number ("01" for 1), which no token says.
      // Trace and correlation ids are left to each block's Bloom filter (block-filter.ts).
      if (q.op !== "eq" || isNumeric(q.value) || q.field !== "host") return undefined
      return `"${fieldToken(q.field, q.value)}"`
  }
}

export const candidateTerms = (request: Omit<SearchRequest, "limit" | "cursor">): string | undefined =>
  request.text === undefined ? undefined : termsOf(request.text)
