import type { LogRecord } from "./log-record.ts"
import type { SearchRequest } from "./search-request.ts"
import { matchesField } from "./field-query.ts"
import type { TextQuery } from "./text-query.ts"

/**
 * A SearchRequest's filter as a predicate over one record, for live tail: the same meaning as
 * the store's search (words match whole words case-insensitively, `prefix*` word starts,
 * phrases consecutive words), evaluated in memory on records as they are committed.
 */

/** Words as FTS5's unicode61 tokenizer sees them: runs of letters and digits, lower-cased, accents removed. */
const words = (text: string) => text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []

const matchesText = (query: TextQuery, tokens: ReadonlyArray<string>): boolean => {
  switch (query.kind) {
    case "term": {
      const [first, ...rest] = words(query.value)
      if (first === undefined) return true
      // A term that is several words ("timeout-error") means them in a row, as in FTS5.
      if (rest.length > 0) return matchesText({ kind: "phrase", value: query.value }, tokens)
      return query.prefix ? tokens.some((t) => t.startsWith(first)) : tokens.includes(first)
    }
    case "phrase": {
      const phrase = words(query.value)
      if (phrase.length === 0) return true
      for (let i = 0; i + phrase.length <= tokens.length; i++) {
        if (phrase.every((w, j) => tokens[i + j] === w)) return true
      }
      return false
    }
    case "and":
      return query.children.every((c) => matchesText(c, tokens))
    case "or":
      return query.children.some((c) => matchesText(c, tokens))
    case "not":
      return !matchesText(query.child, tokens)
    case "field":
      return true // decided by matchesQuery, which sees the whole record
  }
}

const matchesQuery = (query: TextQuery, record: LogRecord, tokens: ReadonlyArray<string>, now: number): boolean => {
  switch (query.kind) {
    case "field":
      return matchesField(query, record, now)
    case "and":
      return query.children.every((c) => matchesQuery(c, record, tokens, now))
    case "or":
      return query.children.some((c) => matchesQuery(c, record, tokens, now))
    case "not":
      return !matchesQuery(query.child, record, tokens, now)
    default:
      return matchesText(query, tokens)
  }
}

export const recordMatcher = (request: Omit<SearchRequest, "limit" | "cursor">) => (record: LogRecord): boolean =>
  (!request.services?.length || request.services.includes(record.service))
  && (!request.levels?.length || request.levels.includes(record.level))
  && (request.correlation_id === undefined || record.correlation_id === request.correlation_id)
  && (request.trace_id === undefined || record.trace_id === request.trace_id)
  && (request.text === undefined || matchesQuery(request.text, record, words(record.message), Date.now()))
