/**
 * A message as the tokens a pattern is made of: its first line split at whitespace, with the
 * parts that vary between occurrences replaced by a typed placeholder — `<UUID>`, `<IP>`,
 * `<DURATION>`, `<TIME>`, `<HEX>`, `<NUM>`, `<PATH>`, `<ID>` — so "timeout after 3000ms on
 * 10.0.0.7" and "timeout after 250ms on 10.0.0.9" have the same tokens. In `key=value`
 * tokens only the value is judged; punctuation around a token stays literal.
 */

export const ANY = "<*>"

const RULES: ReadonlyArray<readonly [RegExp, string]> = [
  [/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, "<UUID>"],
  [/^(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?$/, "<IP>"],
  [/^\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?$/, "<TIME>"],
  [/^\[?(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}\]?(?::\d{1,5})?$/i, "<IP>"],
  [/^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/, "<TIME>"],
  [/^[-+]?\d+(?:\.\d+)?(?:ns|us|µs|ms|s|sec|secs|m|min|h)$/i, "<DURATION>"],
  [/^0x[0-9a-f]+$/i, "<HEX>"],
  [/^[-+]?\d+(?:[.,]\d+)*%?$/, "<NUM>"],
  [/^(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{6,}$/i, "<HEX>"],
  [/^(?:[a-z]:)?(?:[/\\][^/\\\s]*){2,}$|^\/[^/\s]*\d[^/\s]*$/i, "<PATH>"],
  [/^(?=[^\d]*\d)(?=[^a-z]*[a-z])[\w.:#@-]{4,}$/i, "<ID>"]
]

/** The placeholder a bare value stands for, or the value itself when it looks constant. */
/** Every rule needs a digit, a slash or a colon: most words skip the rules at once. */
const MAYBE_VARIABLE = /[\d/\\:]/

/** Digits alone are the commonest variable: answered without trying every rule (none but NUM matches them). */
const DIGITS = /^\d+$/

const maskValue = (value: string): string => {
  if (value === "" || !MAYBE_VARIABLE.test(value)) return value
  if (DIGITS.test(value)) return "<NUM>"
  for (const [pattern, placeholder] of RULES) if (pattern.test(value)) return placeholder
  return value
}

const LEADING = /^[("'[{<]+/
const TRAILING = /[)"'\]}>,;:.!?]+$/

export const maskToken = (token: string): string => {
  // Without a digit, a slash or a colon no part of the token is variable: most words stop here.
  if (!MAYBE_VARIABLE.test(token)) return token
  const whole = maskValue(token)
  if (whole !== token) return whole
  const lead = LEADING.exec(token)?.[0] ?? ""
  const rest = token.slice(lead.length)
  const trail = TRAILING.exec(rest)?.[0] ?? ""
  const core = rest.slice(0, rest.length - trail.length)
  if (core === "") return token
  const equals = core.indexOf("=")
  if (equals > 0 && equals < core.length - 1) return `${lead}${core.slice(0, equals + 1)}${maskValue(core.slice(equals + 1))}${trail}`
  const masked = maskValue(core)
  // "status=200," keeps its comma; a bare masked value keeps the punctuation around it too.
  return masked === core ? token : `${lead}${masked}${trail}`
}

/**
 * The pattern tokens of a message: its first line (at most `maxChars` characters), at most
 * `maxTokens` tokens, the rest of a longer line standing as one `<*>`.
 */
export const messageTokens = (message: string, maxTokens: number, maxChars = 1_000): string[] => {
  const newline = message.indexOf("\n")
  const line = (newline === -1 ? message : message.slice(0, newline)).slice(0, maxChars)
  const tokens: string[] = []
  for (const token of line.split(/\s+/)) {
    if (token === "") continue
    if (tokens.length === maxTokens - 1) {
      tokens.push(ANY)
      break
    }
    tokens.push(maskToken(token))
  }
  return tokens
}

/** Whether a token stands for a variable part (`<*>` or a typed placeholder). */
export const isPlaceholder = (token: string) => token.length > 2 && token.startsWith("<") && token.endsWith(">") && /^<[A-Z*]+>$/.test(token)
