import { RE2JS } from "re2js"
import { LogqlError } from "./errors.ts"

/**
 * Regular expressions in RE2 syntax (Loki's), run by re2js: matching is linear in the text, so
 * no pattern (`(a+)+$`) can backtrack for ever. Label matchers match the whole value, as in
 * Loki; line filters match anywhere in the line.
 */

export interface Regex {
  /** Anywhere in the text. */
  readonly find: (text: string) => boolean
  /** The whole text. */
  readonly full: (text: string) => boolean
  readonly source: string
}

export const compileRegex = (pattern: string): Regex => {
  let re: RE2JS
  try {
    re = RE2JS.compile(pattern)
  } catch (e) {
    throw new LogqlError({ message: `invalid regular expression '${pattern}': ${(e as Error).message}` })
  }
  return { find: (text) => re.test(text), full: (text) => re.testExact(text), source: pattern }
}
