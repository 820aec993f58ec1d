/**
 * Words as FTS5's unicode61 tokenizer sees them: runs of letters and digits, lower-cased,
 * accents removed. Every store and the live-tail matcher give text queries this meaning.
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: the whole ASCII range, control characters included, is the point
const ASCII = /^[\x00-\x7f]*$/
const TOKENS = /[\p{L}\p{N}]+/gu

/** ASCII text (most log lines) folds by lower-casing alone, and keeps its length. */
export const isAscii = (text: string): boolean => ASCII.test(text)

/** Accents removed and lower-cased; ASCII text skips the Unicode work. */
export const fold = (text: string): string => (isAscii(text) ? text.toLowerCase() : text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase())

/** The words of already folded text. */
export const foldedWords = (folded: string): ReadonlyArray<string> => folded.match(TOKENS) ?? []

export const words = (text: string): ReadonlyArray<string> => foldedWords(fold(text))
