import { malformed, tooExpensive } from "./errors.ts"

/**
 * An `_msearch` body: NDJSON pairs of a header line (`{}` or `{"index": …}`; the index is the
 * one logical index whatever it names) and a search body line. At most ES_SEARCH_MAX_MSEARCH
 * searches; a line that is not JSON refuses the whole body, as Elasticsearch does.
 */
export const parseMsearch = (text: string, maxSearches: number): ReadonlyArray<unknown> => {
  const lines = text.split("\n").filter((l) => l.trim() !== "")
  if (lines.length % 2 !== 0) throw malformed("msearch", "the body must be header and search lines in pairs, ending with a newline")
  if (lines.length / 2 > maxSearches)
    throw tooExpensive(`the body holds ${lines.length / 2} searches; at most ${maxSearches} are allowed`, "ES_SEARCH_MAX_MSEARCH")
  const bodies: unknown[] = []
  for (let i = 0; i < lines.length; i++) {
    let value: unknown
    try {
      value = JSON.parse(lines[i]!)
    } catch {
      throw malformed(`msearch line ${i + 1}`, "is not JSON")
    }
    if (i % 2 === 1) bodies.push(value)
  }
  return bodies
}

/** A `_search` body as text; empty is a search of everything. */
export const parseSearchBody = (text: string): unknown => {
  if (text.trim() === "") return {}
  try {
    return JSON.parse(text)
  } catch {
    throw malformed("body", "is not JSON")
  }
}
