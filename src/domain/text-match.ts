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

export interface LeafMatcher {
  /** The leaf's words; none: it matches everything. */
  readonly words: ReadonlyArray<string>
  /** A single word that matches the start of a word. */
  readonly prefix: boolean
  readonly matches: (folded: string) => boolean
}

export const textLeaf = (query: TextLeaf): LeafMatcher => {
  const ws = words(query.value)
  const prefix = ws.length === 1 && query.kind === "term" && query.prefix
  const matches = ws.length === 0 ? () => true : ws.length === 1 ? (s: string) => containsWord(s, ws[0]!, prefix) : (s: string) => containsPhrase(s, ws)
  return { words: ws, prefix, matches }
}

const SEPARATOR = 0x20

/**
 * Whether the leaf's words follow each other as whole words from byte `p` (where the first
 * word was found) in `folded`, within [start, end): true or false, or undefined when a byte
 * beyond ASCII is involved and the row's decoded text has to decide.
 */
const wordsAt = (leaf: LeafMatcher, needles: ReadonlyArray<Buffer>, folded: Buffer, p: number, start: number, end: number): boolean | undefined => {
  const before = p === start ? SEPARATOR : folded[p - 1]!
  if (before >= 0x80) return undefined
  if (isAsciiWordChar(before)) return false
  let q = p
  for (let k = 0; k < needles.length; k++) {
    const needle = needles[k]!
    if (k > 0) {
      // Skip what separates two words; it must hold at least one byte (the last word's boundary).
      while (q < end && !isAsciiWordChar(folded[q]!)) {
        if (folded[q]! >= 0x80) return undefined
        q++
      }
      if (q + needle.length > end || folded.compare(needle, 0, needle.length, q, q + needle.length) !== 0) return false
    }
    q += needle.length
    if (q > end) return false
    const next = q === end ? SEPARATOR : folded[q]!
    if (next >= 0x80) return undefined
    if (isAsciiWordChar(next) && !(leaf.prefix && k === needles.length - 1)) return false
  }
  return true
}

/**
 * The rows of `active` whose text matches the leaf, where `folded` holds the rows' folded
 * texts one after another in UTF-8 (row i ends at byte `ends[i]`). One search through the
 * bytes for the leaf's first word finds the rows worth a closer look, instead of a look at
 * every row; `rowText` gives a row's folded text when its bytes alone cannot decide.
 */
export const matchingRows = (leaf: LeafMatcher, folded: Buffer, ends: Uint32Array, active: Uint8Array, rowText: (i: number) => string): Uint8Array => {
  if (leaf.words.length === 0) return active.slice()
  const out = new Uint8Array(active.length)
  const needles = leaf.words.map((w) => Buffer.from(w))
  const first = needles[0]!
  let row = 0
  for (let p = folded.indexOf(first); p !== -1; p = folded.indexOf(first, p + 1)) {
    while (ends[row]! <= p) row++
    const end = ends[row]!
    // A row decided (or not asked about) is skipped whole: a word found a thousand times in
    // one row costs one look, not a thousand.
    if (!active[row] || out[row]) {
      p = end - 1
      continue
    }
    // Word boundaries are those of the row's own text: rows do not run into each other.
    const found = wordsAt(leaf, needles, folded, p, row === 0 ? 0 : ends[row - 1]!, end)
    if (found ?? leaf.matches(rowText(row))) {
      out[row] = 1
      p = end - 1
    } else {
      // No word starts inside a run of letters and digits: the next look is past this one.
      while (p + 1 < end && isAsciiWordChar(folded[p + 1]!)) p++
    }
  }
  return out
}
