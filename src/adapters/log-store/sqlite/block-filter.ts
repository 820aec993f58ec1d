import { fieldOperand, isNumeric, valueMatcher } from "../../../domain/field-query.ts"
import { LEVELS, type AttributeValue } from "../../../domain/log-record.ts"
import type { SearchRequest } from "../../../domain/search-request.ts"
import { textAutomaton, textLeavesOf } from "../../../domain/text-automaton.ts"
import { type TextLeaf, textLeaf } from "../../../domain/text-match.ts"
import type { FieldQuery, TextQuery } from "../../../domain/text-query.ts"
import { bloomMayHold } from "./block-bloom.ts"
import type { RefField } from "./block-codec.ts"
import type { BlockSummary, LoadedBlock } from "./block-read.ts"

/**
 * A search's filter, compiled once, in two forms: a verdict on a block from its summary alone
 * (none of its records match, all do, or some may), which lets a search skip a block or count
 * it without reading it; and the rows of a read block that match. Both give conditions the
 * meaning of field-query.ts and text-match.ts, as the live-tail matcher does.
 */

export const NONE = 0 as const
export const SOME = 1 as const
export const ALL = 2 as const
export type Verdict = typeof NONE | typeof SOME | typeof ALL

/** What a search asks of records, its page and cursor aside. */
export type Filterable = Omit<SearchRequest, "limit" | "cursor">

export interface BlockFilter {
  readonly verdict: (summary: BlockSummary) => Verdict
  /** The rows of `active` (1 = still a candidate) that match, as a new mask. */
  readonly rows: (block: LoadedBlock, active: Uint8Array) => Uint8Array
}

const rowwise = (verdict: BlockFilter["verdict"], test: (block: LoadedBlock) => (i: number) => boolean): BlockFilter => ({
  verdict,
  rows: (block, active) => {
    const out = new Uint8Array(active.length)
    const matches = test(block)
    for (let i = 0; i < active.length; i++) if (active[i] && matches(i)) out[i] = 1
    return out
  }
})

const constant = (verdict: Verdict): BlockFilter => ({
  verdict: () => verdict,
  rows: (_, active) => (verdict === ALL ? active.slice() : new Uint8Array(active.length))
})

const some = (): Verdict => SOME

/** A condition on the block's one service: decided for the whole block. */
const serviceFilter = (matches: (service: string) => boolean): BlockFilter => ({
  verdict: (s) => (matches(s.service) ? ALL : NONE),
  rows: (block, active) => (matches(block.summary.service) ? active.slice() : new Uint8Array(active.length))
})

/** A condition on levels: decided for a block whose levels (a bit mask in its summary) all agree. */
const levelFilter = (matches: (level: string) => boolean): BlockFilter => {
  const table = LEVELS.map((l) => matches(l))
  const matching = table.reduce((mask, yes, code) => (yes ? mask | (1 << code) : mask), 0)
  return rowwise(
    (s) => ((s.levels & matching) === 0 ? NONE : (s.levels & ~matching) === 0 ? ALL : SOME),
    (block) => (i) => table[block.head.level[i]!]!
  )
}

/** A condition on event time, decided for a block whose time span lies wholly inside or outside it. */
const timeFilter = (matches: (ts: number) => boolean, bounds: { low: number; high: number } | undefined): BlockFilter =>
  rowwise(
    (s) =>
      bounds === undefined ? SOME : s.max_ts < bounds.low || s.min_ts > bounds.high ? NONE : s.min_ts >= bounds.low && s.max_ts <= bounds.high ? ALL : SOME,
    (block) => (i) => matches(block.head.ts[i]!)
  )

/** The inclusive time interval a timestamp condition accepts (undefined: not an interval, e.g. a wildcard). */
const timeBounds = (q: FieldQuery, now: number): { low: number; high: number } | undefined => {
  const v = fieldOperand(q, q.value, now)
  if (typeof v !== "number") return undefined
  switch (q.op) {
    case "eq":
      return { low: v, high: v }
    case "gt":
      return { low: Math.floor(v) + 1, high: Infinity }
    case "gte":
      return { low: v, high: Infinity }
    case "lt":
      return { low: -Infinity, high: Math.ceil(v) - 1 }
    case "lte":
      return { low: -Infinity, high: v }
    case "range": {
      const to = fieldOperand(q, q.to!, now)
      return typeof to === "number" ? { low: v, high: to } : undefined
    }
    default:
      return undefined
  }
}

const REF_FIELDS: ReadonlySet<string> = new Set<RefField>(["trace_id", "span_id", "correlation_id"])

/**
 * A condition on a trace, span or correlation id. When it asks for one exact trace or
 * correlation id, a block whose Bloom filter lacks it is ruled out from its summary.
 */
const refFilter = (field: RefField, matches: (value: AttributeValue | undefined) => boolean, exactly?: string): BlockFilter =>
  rowwise(exactly === undefined || field === "span_id" ? some : (s) => (!s.ref_bloom || bloomMayHold(s.ref_bloom, field, exactly) ? SOME : NONE), (block) => {
    const column = block.ref(field)
    return (i) => matches(column(i))
  })

/** The exact text a field query asks for, when it asks for exactly one (a number may also match as a number: "01" for 1). */
const exactText = (q: FieldQuery) => (q.op === "eq" && !isNumeric(q.value) ? q.value : undefined)

/** Whether a search's filter decides on blocks by their Bloom filters, which the summaries it walks must then carry. */
export const usesRefBloom = (request: Filterable): boolean => {
  const asks = (q: TextQuery): boolean =>
    q.kind === "field"
      ? (q.field === "trace_id" || q.field === "correlation_id") && exactText(q) !== undefined
      : q.kind === "and" || q.kind === "or"
        ? q.children.some(asks)
        : q.kind === "not"
          ? asks(q.child)
          : false
  return request.trace_id !== undefined || request.correlation_id !== undefined || (request.text !== undefined && asks(request.text))
}

const fieldFilter = (q: FieldQuery, now: number): BlockFilter => {
  const matches = valueMatcher(q, now)
  switch (q.field) {
    case "service":
      return serviceFilter(matches)
    case "level":
      return levelFilter(matches)
    case "timestamp":
      return timeFilter(matches, q.op === "wildcard" ? undefined : timeBounds(q, now))
    case "host":
      return rowwise(some, (block) => {
        // Hosts are numbered per block: test each distinct host once.
        const table = [matches(undefined), ...block.hosts().map((h) => matches(h))]
        return (i) => table[block.head.host[i]!]!
      })
    default:
      if (REF_FIELDS.has(q.field)) return refFilter(q.field as RefField, matches, exactText(q))
      return rowwise(some, (block) => {
        const column = block.attribute(q.field.slice("attributes.".length))
        if (column.dictionary === undefined) return (i) => matches(column.at(i))
        // Test each distinct value once.
        const { values, indexes } = column.dictionary
        const table = [matches(undefined), ...values.map((v) => matches(v))]
        return (i) => table[indexes[i]!]!
      })
  }
}

const and = (children: ReadonlyArray<BlockFilter>): BlockFilter => ({
  verdict: (s) => {
    let verdict: Verdict = ALL
    for (const c of children) {
      const v = c.verdict(s)
      if (v === NONE) return NONE
      if (v === SOME) verdict = SOME
    }
    return verdict
  },
  rows: (block, active) => {
    let current = active
    for (const c of children) {
      current = c.rows(block, current)
      if (!current.includes(1)) break
    }
    return current === active ? active.slice() : current
  }
})

const or = (children: ReadonlyArray<BlockFilter>): BlockFilter => ({
  verdict: (s) => {
    let verdict: Verdict = NONE
    for (const c of children) {
      const v = c.verdict(s)
      if (v === ALL) return ALL
      if (v === SOME) verdict = SOME
    }
    return verdict
  },
  rows: (block, active) => {
    const out = new Uint8Array(active.length)
    const rest = active.slice()
    for (const c of children) {
      const hit = c.rows(block, rest)
      for (let i = 0; i < hit.length; i++) {
        if (hit[i]) {
          out[i] = 1
          rest[i] = 0
        }
      }
    }
    return out
  }
})

const not = (child: BlockFilter): BlockFilter => ({
  verdict: (s) => {
    const v = child.verdict(s)
    return v === ALL ? NONE : v === NONE ? ALL : SOME
  },
  rows: (block, active) => {
    const hit = child.rows(block, active)
    const out = new Uint8Array(active.length)
    for (let i = 0; i < active.length; i++) if (active[i] && !hit[i]) out[i] = 1
    return out
  }
})

/** How a word or phrase of the query finds its rows in a block. */
type LeafRows = (leaf: TextLeaf) => BlockFilter["rows"]

const textFilter = (query: TextQuery, now: number, leafRows: LeafRows): BlockFilter => {
  switch (query.kind) {
    case "field":
      return fieldFilter(query, now)
    case "and":
      return and(query.children.map((c) => textFilter(c, now, leafRows)))
    case "or":
      return or(query.children.map((c) => textFilter(c, now, leafRows)))
    case "not":
      return not(textFilter(query.child, now, leafRows))
    default:
      return { verdict: textLeaf(query).words.length === 0 ? () => ALL : some, rows: leafRows(query) }
  }
}

/** One word or phrase: a search through the block's text for its first word (text-match.ts). */
const searchedLeaf: LeafRows = (query) => {
  const leaf = textLeaf(query)
  return (block, active) => block.matchText(leaf, active)
}

/**
 * Several: one pass of the query's automaton (text-automaton.ts) over each row finds them all,
 * however many there are; each leaf then reads its rows from that pass. A row is scanned the
 * first time any leaf asks about it in a block, and never again.
 */
const automatonLeaves = (leaves: ReadonlyArray<TextLeaf>): LeafRows => {
  const automaton = textAutomaton(leaves)
  let current: { block: LoadedBlock; scanned: Uint8Array; found: Uint8Array[] } | undefined
  return (query) => {
    const index = automaton.indexOf(query)
    return (block, active) => {
      if (current?.block !== block) {
        current = { block, scanned: new Uint8Array(block.count), found: automaton.leaves.map(() => new Uint8Array(block.count)) }
      }
      const { scanned, found } = current
      const todo = new Uint8Array(active.length)
      let any = false
      for (let i = 0; i < active.length; i++) {
        if (active[i] && !scanned[i]) {
          todo[i] = scanned[i] = 1
          any = true
        }
      }
      if (any) block.scanText(automaton, todo, found)
      const hits = found[index]!
      const out = new Uint8Array(active.length)
      for (let i = 0; i < active.length; i++) out[i] = active[i]! & hits[i]!
      return out
    }
  }
}

/** The whole filter of a search request (its cursor aside: that is an order bound, see block-scan.ts). */
export const compileFilter = (request: Filterable, now: number): BlockFilter => {
  const parts: BlockFilter[] = []
  const { services, levels } = request
  if (services?.length) parts.push(serviceFilter((s) => services.includes(s)))
  if (levels?.length) parts.push(levelFilter((l) => (levels as ReadonlyArray<string>).includes(l)))
  for (const field of ["correlation_id", "trace_id"] as const) {
    const wanted = request[field]
    if (wanted !== undefined) parts.push(refFilter(field, (v) => v === wanted, wanted))
  }
  if (request.from !== undefined || request.to !== undefined) {
    const low = request.from ?? -Infinity
    const high = request.to ?? Infinity
    parts.push(timeFilter((ts) => ts >= low && ts <= high, { low, high }))
  }
  if (request.text !== undefined) {
    const leaves = textLeavesOf(request.text)
    parts.push(textFilter(request.text, now, leaves.length > 1 ? automatonLeaves(leaves) : searchedLeaf))
  }
  return parts.length === 0 ? constant(ALL) : parts.length === 1 ? parts[0]! : and(parts)
}

/**
 * The event-time interval every match lies in: the request's from/to, narrowed by
 * `timestamp:` conditions that every match must meet (those of the top-level AND).
 */
export const timeWindow = (request: Filterable, now: number): { low: number; high: number } => {
  let low = request.from ?? -Infinity
  let high = request.to ?? Infinity
  const visit = (q: TextQuery) => {
    if (q.kind === "and") q.children.forEach(visit)
    else if (q.kind === "field" && q.field === "timestamp" && q.op !== "wildcard") {
      const bounds = timeBounds(q, now)
      if (bounds) {
        low = Math.max(low, bounds.low)
        high = Math.min(high, bounds.high)
      }
    }
  }
  if (request.text) visit(request.text)
  return { low, high }
}
