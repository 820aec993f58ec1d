import type { LogRecord } from "./log-record.ts"
import type { SearchRequest } from "./search-request.ts"
import { fieldValueOf, valueMatcher } from "./field-query.ts"
import { type TextAutomaton, textAutomaton, textLeavesOf } from "./text-automaton.ts"
import type { TextQuery } from "./text-query.ts"
import { fold, isAscii } from "./words.ts"

/**
 * A SearchRequest's filter as a predicate over one record, for live tail: the same meaning as
 * the store's search (words match whole words case-insensitively, `prefix*` word starts,
 * phrases consecutive words), evaluated in memory on records as they are committed. All the
 * query's words and phrases are found in one pass over the message (text-automaton.ts), and
 * over its first `textBudget` characters only: what one subscriber costs per record is bounded
 * whatever its query and whatever the record.
 */

/** `found()`: which of the automaton's leaves the record's message matches, worked out once per record. */
type Predicate = (record: LogRecord, found: () => Uint8Array) => boolean

const compile = (query: TextQuery, now: number, automaton: TextAutomaton): Predicate => {
  switch (query.kind) {
    case "field": {
      const matches = valueMatcher(query, now)
      return (record) => matches(fieldValueOf(record, query.field))
    }
    case "and": {
      const children = query.children.map((c) => compile(c, now, automaton))
      return (record, found) => children.every((c) => c(record, found))
    }
    case "or": {
      const children = query.children.map((c) => compile(c, now, automaton))
      return (record, found) => children.some((c) => c(record, found))
    }
    case "not": {
      const child = compile(query.child, now, automaton)
      return (record, found) => !child(record, found)
    }
    default: {
      const index = automaton.indexOf(query)
      return (_, found) => found()[index] === 1
    }
  }
}

/**
 * A record's message as the matchers read it (its first `budget` characters, folded; as bytes
 * when ASCII), worked out once per record however many subscribers match it: every live tail
 * sees the same record objects, and this goes when they do.
 */
const foldedMessages = new WeakMap<LogRecord, { readonly budget: number; readonly folded: string; readonly ascii: Buffer | undefined }>()

const foldedMessage = (record: LogRecord, budget: number) => {
  const known = foldedMessages.get(record)
  if (known?.budget === budget) return known
  const message = record.message.length > budget ? record.message.slice(0, budget) : record.message
  const folded = fold(message)
  const entry = { budget, folded, ascii: isAscii(folded) ? Buffer.from(folded, "latin1") : undefined }
  foldedMessages.set(record, entry)
  return entry
}

export const recordMatcher = (request: Omit<SearchRequest, "limit" | "cursor">, textBudget = Infinity): ((record: LogRecord) => boolean) => {
  const automaton = request.text === undefined ? undefined : textAutomaton(textLeavesOf(request.text))
  const text = request.text === undefined ? undefined : compile(request.text, Date.now(), automaton!)
  return (record) => {
    if (request.services?.length && !request.services.includes(record.service)) return false
    if (request.levels?.length && !request.levels.includes(record.level)) return false
    if (request.correlation_id !== undefined && record.correlation_id !== request.correlation_id) return false
    if (request.trace_id !== undefined && record.trace_id !== request.trace_id) return false
    if (text === undefined) return true
    let found: Uint8Array | undefined
    const match = () => {
      const { folded, ascii } = foldedMessage(record, textBudget)
      return ascii ? automaton!.matchAscii(ascii) : automaton!.matchText(folded)
    }
    return text(record, () => (found ??= match()))
  }
}
