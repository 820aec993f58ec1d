import type { TextQuery } from "./text-query.ts"
import { foldedWords, words } from "./words.ts"

/**
 * A word or phrase of a text query as a predicate over folded text (see words.ts): a word
 * matches a whole word, `prefix*` the start of one, a phrase (or a term of several words,
 * `timeout-error`) those words in a row. Works on the text itself, without splitting it into
 * words unless a phrase needs it, because stores run it over many messages per search.
 */

const WORD_CHAR = /[\p{L}\p{N}]/u
const isAsciiWordChar = (c: number) => (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90)

/** Whether the character that ends just before `p` is a letter or digit. */
const wordCharBefore = (s: string, p: number) => {
  if (p <= 0) return false
  const c = s.charCodeAt(p - 1)
  if (c < 128) return isAsciiWordChar(c)
  const start = c >= 0xdc00 && c <= 0xdfff && p >= 2 ? p - 2 : p - 1
  return WORD_CHAR.test(s.slice(start, p))
}

/** Whether the character that starts at `q` is a letter or digit. */
const wordCharAt = (s: string, q: number) => {
  if (q >= s.length) return false
  const c = s.charCodeAt(q)
  if (c < 128) return isAsciiWordChar(c)
  return WORD_CHAR.test(s.slice(q, c >= 0xd800 && c <= 0xdbff ? q + 2 : q + 1))
}

const containsWord = (s: string, word: string, prefix: boolean) => {
  for (let p = s.indexOf(word); p !== -1; p = s.indexOf(word, p + 1)) {
    if (!wordCharBefore(s, p) && (prefix || !wordCharAt(s, p + word.length))) return true
  }
  return false
}

const containsPhrase = (s: string, phrase: ReadonlyArray<string>) => {
  for (const w of phrase) if (!s.includes(w)) return false
  const tokens = foldedWords(s)
  for (let i = 0; i + phrase.length <= tokens.length; i++) {
    let j = 0
    while (j < phrase.length && tokens[i + j] === phrase[j]) j++
    if (j === phrase.length) return true
  }
  return false
}

export type TextLeaf = Extract<TextQuery, { kind: "term" | "phrase" }>

export const textLeafMatcher = (query: TextLeaf): (folded: string) => boolean => {
  const ws = words(query.value)
  if (ws.length === 0) return () => true
  if (ws.length === 1) {
    const prefix = query.kind === "term" && query.prefix
    return (s) => containsWord(s, ws[0]!, prefix)
  }
  return (s) => containsPhrase(s, ws)
}
