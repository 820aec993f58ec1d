import type { Database } from "bun:sqlite"
import type { TextAutomaton } from "../../../domain/text-automaton.ts"
import { matchingRows, type LeafMatcher } from "../../../domain/text-match.ts"
import type { Attributes } from "../../../domain/log-record.ts"
import { allIds, textAt, type TextValues } from "./block-text.ts"
import { type AttributeColumn, decodeAttribute, NO_ATTRIBUTE, otherAttributeColumn, otherAttributes, type StoredAttribute } from "./block-attributes.ts"
import { decodeTexts } from "./block-columns.ts"
import { type DataRow, readIds, readMessages, readReceivedAt, readRef, readSearchText, type SearchText } from "./block-pack.ts"
import { SearchTextCache } from "./search-text-cache.ts"
import { recordAt, type BlockContent, type RefField } from "./block-codec.ts"
import { type BlockHead, decodeHead } from "./block-head.ts"
import { makeIdLookup } from "./block-ids.ts"

const countOnes = (mask: Uint8Array) => {
  let n = 0
  for (let i = 0; i < mask.length; i++) n += mask[i]!
  return n
}

/** A block's summary row: what a search decides on before reading the block itself. */
export interface BlockSummary {
  readonly block: number
  readonly service: string
  readonly count: number
  readonly min_ts: number
  readonly max_ts: number
  readonly levels: number
  /** The block's Bloom filter of trace and correlation ids, where the search needs it (block-filter.ts). */
  readonly ref_bloom?: Uint8Array | null
}

/**
 * One block as a search sees it: the head at once, every other column read (once) when first
 * asked for, so a search reads only the columns its conditions and its page need.
 */
export class LoadedBlock {
  private hostList: ReadonlyArray<string> | undefined
  private text: TextValues | undefined
  private search: SearchText | undefined
  private data: Omit<BlockContent, "service" | "head" | "hosts" | "message" | "attributes"> | undefined
  private readonly attributeColumns = new Map<string, AttributeColumn>()
  private others: ((i: number) => Attributes | undefined) | null | undefined
  private allColumns: BlockContent | undefined

  constructor(
    readonly summary: BlockSummary,
    readonly head: BlockHead,
    private readonly reader: BlockReader
  ) {}

  get count() {
    return this.head.count
  }

  hosts(): ReadonlyArray<string> {
    return (this.hostList ??= JSON.parse(this.reader.hosts.get(this.summary.block)!.hosts) as string[])
  }

  /** Ids, receive times and trace, span and correlation ids. */
  private rows() {
    if (!this.data) {
      const row = this.reader.data.get(this.summary.block)!
      const n = this.count
      this.data = {
        ids: readIds(row, n),
        receivedAt: readReceivedAt(row, n),
        refs: { trace_id: readRef(row, "trace_id", n), span_id: readRef(row, "span_id", n), correlation_id: readRef(row, "correlation_id", n) }
      }
    }
    return this.data
  }

  ids(): ReadonlyArray<string> {
    return allIds(this.rows().ids)
  }

  /** A trace, span or correlation id column: record i's value, undefined where absent. */
  ref(field: RefField): (i: number) => string | undefined {
    const column = this.rows().refs[field]
    return column === null ? () => undefined : (i) => textAt(column, i) || undefined
  }

  private messages(): TextValues {
    if (!this.text) {
      this.text = readMessages(this.reader.messages.get(this.summary.block)!, this.count)
    }
    return this.text
  }

  message(i: number): string {
    return textAt(this.messages(), i)
  }

  /** The messages as text searches see them (folded, UTF-8). */
  private searchText() {
    if (!this.search) {
      this.search = this.reader.searchText(this.summary.block, this.count)
    }
    return this.search
  }

  /** The rows of `active` whose message matches a word or phrase. */
  matchText(leaf: LeafMatcher, active: Uint8Array): Uint8Array {
    const { bytes, ends } = this.searchText()
    const rowText = (i: number) => bytes.toString("utf8", i === 0 ? 0 : ends[i - 1], ends[i])
    // With few rows left to check, each is looked at on its own; otherwise one search through
    // the whole text finds the rows.
    if (countOnes(active) * 8 >= active.length) return matchingRows(leaf, bytes, ends, active, rowText)
    const out = new Uint8Array(active.length)
    for (let i = 0; i < active.length; i++) if (active[i] && leaf.matches(rowText(i))) out[i] = 1
    return out
  }

  /** Marks, per leaf of the automaton, the rows of `rows` whose message it matches: one pass for all of a query's words. */
  scanText(automaton: TextAutomaton, rows: Uint8Array, found: ReadonlyArray<Uint8Array>): void {
    const { bytes, ends } = this.searchText()
    automaton.scanRows(bytes, ends, rows, (i) => bytes.toString("utf8", i === 0 ? 0 : ends[i - 1], ends[i]), found)
  }

  /** The attributes of keys without a column in this block (null when it has none), read when first asked for. */
  private other() {
    if (this.others === undefined) {
      const packed = this.reader.other.get(this.summary.block)?.other_attributes ?? null
      this.others = packed === null ? null : otherAttributes(decodeTexts(packed, this.count))
    }
    return this.others
  }

  attribute(key: string): AttributeColumn {
    let column = this.attributeColumns.get(key)
    if (!column) {
      const row = this.reader.attribute.get(this.summary.block, key)
      const other = row ? null : this.other()
      column = row ? decodeAttribute(row, this.count) : other ? otherAttributeColumn(key, other) : NO_ATTRIBUTE
      this.attributeColumns.set(key, column)
    }
    return column
  }

  /** Every column, for rebuilding records. */
  content(): BlockContent {
    if (!this.allColumns) {
      const attributes = this.reader.attributes.all(this.summary.block).map((row) => [row.key, decodeAttribute(row, this.count)] as const)
      const other = this.other()
      this.allColumns = {
        ...this.rows(),
        service: this.summary.service,
        head: this.head,
        hosts: this.hosts(),
        message: (i) => this.message(i),
        attributes,
        ...(other === null ? {} : { other })
      }
    }
    return this.allColumns
  }

  record(i: number) {
    return recordAt(this.content(), i)
  }
}

type AttributeRow = StoredAttribute

export type BlockReader = ReturnType<typeof makeBlockReader>

/** Prepared statements that read blocks; one set per connection. */
export const makeBlockReader = (db: Database, searchTextCacheBytes = 0) => {
  const cache = searchTextCacheBytes > 0 ? new SearchTextCache(searchTextCacheBytes) : undefined
  const blocksHolding = makeIdLookup(db)
  const reader = {
    summary: db.query<BlockSummary, [number]>("SELECT block, service, count, min_ts, max_ts, levels FROM blocks WHERE block = ?"),
    head: db.query<{ head: Uint8Array }, [number]>("SELECT head FROM blocks WHERE block = ?"),
    hosts: db.query<{ hosts: string }, [number]>("SELECT hosts FROM blocks WHERE block = ?"),
    search: db.query<Pick<DataRow, "search_ends" | "search_text" | "messages" | "message_ends">, [number]>(
      "SELECT search_ends, search_text, CASE WHEN length(search_ends) = 0 THEN messages END AS messages, message_ends FROM block_data WHERE block = ?"
    ),
    /** A block's search text; those made from packed messages come from the cache when they can. */
    searchText(block: number, count: number): SearchText {
      const read = () => readSearchText(reader.search.get(block)!, count)
      return cache ? cache.get(block, count, read) : read()
    },
    messages: db.query<Pick<DataRow, "messages" | "message_ends">, [number]>("SELECT message_ends, messages FROM block_data WHERE block = ?"),
    data: db.query<Omit<DataRow, "other_attributes" | "search_ends" | "search_text" | "message_ends" | "messages">, [number]>(
      `SELECT id_ends, ids, received_at, trace_id_ends, trace_ids, span_id_ends, span_ids, correlation_id_ends, correlation_ids
       FROM block_data WHERE block = ?`
    ),
    attribute: db.query<AttributeRow, [number, string]>("SELECT numbers, dictionary, indexes FROM block_attributes WHERE block = ? AND key = ?"),
    attributes: db.query<AttributeRow & { key: string }, [number]>("SELECT key, numbers, dictionary, indexes FROM block_attributes WHERE block = ?"),
    other: db.query<{ other_attributes: Uint8Array | null }, [number]>("SELECT other_attributes FROM block_data WHERE block = ?"),
    load(summary: BlockSummary): LoadedBlock {
      return new LoadedBlock(summary, decodeHead(reader.head.get(summary.block)!.head), reader)
    },
    /** The block holding a record, and its index there; undefined for an unknown id. */
    find(id: string): { block: LoadedBlock; index: number } | undefined {
      for (const candidate of blocksHolding(id, id)) {
        const summary = reader.summary.get(candidate)
        if (!summary) continue
        const block = reader.load(summary)
        const index = block.ids().indexOf(id)
        if (index !== -1) return { block, index }
      }
      return undefined
    }
  }
  return reader
}

/** How many records the store holds. */
export const storedRecordCount = (db: Database) => db.query<{ n: number }, []>("SELECT coalesce(sum(count), 0) AS n FROM blocks").get()!.n
