import type { Database } from "bun:sqlite"
import { fold } from "../../domain/words.ts"
import { BLOCK_CAPACITY, decodeAttribute, decodeHead, decodeMessages, recordAt, type AttributeColumn, type BlockContent, type BlockHead, type BlockRefs } from "./block-codec.ts"

/** A block's summary row: what a search decides on before reading the block itself. */
export interface BlockSummary {
  readonly block: number
  readonly service: string
  readonly count: number
  readonly min_ts: number
  readonly max_ts: number
  readonly levels: number
}

/**
 * One block as a search sees it: the head at once, every other column read (once) when first
 * asked for, so a search reads only the columns its conditions and its page need.
 */
export class LoadedBlock {
  private hostList: ReadonlyArray<string> | undefined
  private text: ((i: number) => string) | undefined
  private data: { ids: ReadonlyArray<string>; refs: BlockRefs } | undefined
  private readonly foldedMessages: Array<string | undefined> = []
  private readonly attributeColumns = new Map<string, AttributeColumn>()
  private allColumns: BlockContent | undefined

  constructor(readonly summary: BlockSummary, readonly head: BlockHead, private readonly reader: BlockReader) {}

  get count() {
    return this.head.count
  }

  hosts(): ReadonlyArray<string> {
    return this.hostList ??= JSON.parse(this.reader.hosts.get(this.summary.block)!.hosts) as string[]
  }

  private rows() {
    if (!this.data) {
      const row = this.reader.data.get(this.summary.block)!
      this.data = { ids: JSON.parse(row.ids) as string[], refs: JSON.parse(row.refs) as BlockRefs }
    }
    return this.data
  }

  message(i: number): string {
    if (!this.text) {
      const row = this.reader.messages.get(this.summary.block)!
      this.text = decodeMessages(row.messages, row.message_ends)
    }
    return this.text(i)
  }

  refs() {
    return this.rows().refs
  }

  /** Record i's message, folded as text queries see it (words.ts), computed once. */
  folded(i: number): string {
    return this.foldedMessages[i] ??= fold(this.message(i))
  }

  attribute(key: string): AttributeColumn {
    let column = this.attributeColumns.get(key)
    if (!column) {
      const row = this.reader.attribute.get(this.summary.block, key)
      this.attributeColumns.set(key, column = row ? decodeAttribute(row.numbers, row.texts) : () => undefined)
    }
    return column
  }

  /** Every column, for rebuilding records. */
  content(): BlockContent {
    if (!this.allColumns) {
      const { ids, refs } = this.rows()
      const attributes = this.reader.attributes.all(this.summary.block).map((row) => [row.key, decodeAttribute(row.numbers, row.texts)] as const)
      this.allColumns = { service: this.summary.service, head: this.head, hosts: this.hosts(), message: (i) => this.message(i), ids, refs, attributes }
    }
    return this.allColumns
  }

  record(i: number) {
    return recordAt(this.content(), i)
  }
}

export type BlockReader = ReturnType<typeof makeBlockReader>

/** Prepared statements that read blocks; one set per connection. */
export const makeBlockReader = (db: Database) => {
  const reader = {
    summary: db.query<BlockSummary, [number]>("SELECT block, service, count, min_ts, max_ts, levels FROM blocks WHERE block = ?"),
    head: db.query<{ head: Uint8Array }, [number]>("SELECT head FROM blocks WHERE block = ?"),
    hosts: db.query<{ hosts: string }, [number]>("SELECT hosts FROM blocks WHERE block = ?"),
    messages: db.query<{ message_ends: Uint8Array; messages: string }, [number]>("SELECT message_ends, messages FROM block_data WHERE block = ?"),
    data: db.query<{ ids: string; refs: string }, [number]>("SELECT ids, refs FROM block_data WHERE block = ?"),
    attribute: db.query<{ numbers: Uint8Array | null; texts: string | null }, [number, string]>("SELECT numbers, texts FROM block_attributes WHERE block = ? AND key = ?"),
    attributes: db.query<{ key: string; numbers: Uint8Array | null; texts: string | null }, [number]>("SELECT key, numbers, texts FROM block_attributes WHERE block = ?"),
    seqOf: db.query<{ seq: number }, [string]>("SELECT seq FROM record_ids WHERE id = ?"),
    load(summary: BlockSummary): LoadedBlock {
      return new LoadedBlock(summary, decodeHead(reader.head.get(summary.block)!.head), reader)
    },
    /** The block holding a record, and its index there; undefined for an unknown id. */
    find(id: string): { block: LoadedBlock; index: number } | undefined {
      const row = reader.seqOf.get(id)
      if (!row) return undefined
      const summary = reader.summary.get(Math.floor(row.seq / BLOCK_CAPACITY))
      if (!summary) return undefined
      const block = reader.load(summary)
      const index = block.head.position.indexOf(row.seq % BLOCK_CAPACITY)
      return index === -1 ? undefined : { block, index }
    }
  }
  return reader
}

/** How many records the store holds. */
export const storedRecordCount = (db: Database) => db.query<{ n: number }, []>("SELECT coalesce(sum(count), 0) AS n FROM blocks").get()!.n
