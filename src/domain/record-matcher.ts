import type { LogRecord } from "./log-record.ts"
import type { SearchRequest } from "./search-request.ts"
import { fieldValueOf, valueMatcher } from "./field-query.ts"
import { textLeaf } from "./text-match.ts"
import type { TextQuery } from "./text-query.ts"
import { fold } from "./words.ts"

/**
 * A SearchRequest's filter as a predicate over one record, for live tail: the same meaning as
 * the store's search (words match whole words case-insensitively, `prefix*` word starts,
 * phrases consecutive words), evaluated in memory on records as they are committed.
 */

type Predicate = (record: LogRecord, folded: () => string) => boolean

const compile = (query: TextQuery, now: number): Predicate => {
  switch (query.kind) {
    case "field": {
      const matches = valueMatcher(query, now)
      return (record) => matches(fieldValueOf(record, query.field))
    }
    case "and": {
      const children = query.children.map((c) => compile(c, now))
      return (record, folded) => children.every((c) => c(record, folded))
    }
    case "or": {
      const children = query.children.map((c) => compile(c, now))
      return (record, folded) => children.some((c) => c(record, folded))
    }
    case "not": {
      const child = compile(query.child, now)
      return (record, folded) => !child(record, folded)
    }
    default: {
      const { matches } = textLeaf(query)
      return (_, folded) => matches(folded())
    }
  }
}

export const recordMatcher = (request: Omit<SearchRequest, "limit" | "cursor">): ((record: LogRecord) => boolean) => {
  const text = request.text === undefined ? undefined : compile(request.text, Date.now())
  return (record) => {
    if (request.services?.length && !request.services.includes(record.service)) return false
    if (request.levels?.length && !request.levels.includes(record.level)) return false
    if (request.correlation_id !== undefined && record.correlation_id !== request.correlation_id) return false
    if (request.trace_id !== undefined && record.trace_id !== request.trace_id) return false
    if (text === undefined) return true
    let folded: string | undefined
    return text(record, () => (folded ??= fold(record.message)))
  }
}
