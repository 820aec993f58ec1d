import { LEVELS, type Attributes, type Level, type LogRecord } from "../../../domain/log-record.ts"
import { fold, isAscii } from "../../../domain/words.ts"
import {
  AttributeCollector,
  type AttributeColumn,
  DEFAULT_ATTRIBUTE_KEYS_PER_BLOCK,
  decodeAttribute,
  type EncodedAttribute,
  otherAttributes
} from "./block-attributes.ts"
import { refBloom } from "./block-bloom.ts"
import { type BlockHead, decodeHead, wideHeadLayout } from "./block-head.ts"
import { decodeTexts } from "./block-columns.ts"
import { bytesOf, decodeText, encodeText, f64, type IdValues, idValuesOf, type TextColumn, textAt, type TextValues, u32 } from "./block-text.ts"

/**
 * How a block (up to 65,536 records of one service, in time order) is laid out. What a search
 * reads for every candidate block is small and binary (the head: times, host numbers,
 * positions, levels). Every other column can give one record's value without decoding the
 * rest: text as the values one after another plus where each ends, numbers as a typed array,
 * attribute text as a dictionary of distinct values plus a number per record (only for the
 * records that have the key when few do, see block-attributes.ts). A record's
 * `seq` (arrival order, the cursor's tiebreak) is `block * 65536 + position`; a position stays
 * with its record when retention rewrites the block.
 */

export const BLOCK_CAPACITY = 65_536

export const LEVEL_CODE: Readonly<Record<Level, number>> = Object.fromEntries(LEVELS.map((l, i) => [l, i])) as Record<Level, number>

const REF_FIELDS = ["trace_id", "span_id", "correlation_id"] as const
export type RefField = (typeof REF_FIELDS)[number]

/**
 * A block's columns, as the main thread builds them from records and hands them to the writer
 * thread (typed arrays and a few long strings cross threads far cheaper than records do).
 */
export interface BlockColumns {
  readonly service: string
  readonly count: number
  readonly minTs: number
  readonly maxTs: number
  /** Bit `LEVEL_CODE[level]` set for each level present. */
  readonly levels: number
  readonly head: Uint8Array
  /** JSON array of the distinct hosts; the head numbers them from 1 (0: no host). */
  readonly hosts: string
  readonly messages: TextColumn
  readonly ids: TextColumn
  /** f64 per record. */
  readonly receivedAt: Uint8Array
  /** Null where no record of the block has the field. */
  readonly refs: Readonly<Record<RefField, TextColumn | null>>
  readonly attributes: ReadonlyArray<EncodedAttribute>
  /** Per record, as JSON, its attributes whose keys got no column, packed (encodeTexts); null when every key has one. */
  readonly otherAttributes: Uint8Array | null
}

/** A block as stored: its columns and what searching needs, which the writer thread derives (indexBlock). */
export interface EncodedBlock extends BlockColumns {
  /**
   * The messages folded as text queries see them (words.ts), in UTF-8, and where each ends (u32
   * byte offsets); null when the messages are ASCII, whose folding is lower-casing, which reads
   * derive from the messages themselves (block-pack.ts).
   */
  readonly searchText: Uint8Array | null
  readonly searchEnds: Uint8Array | null
  /** What the block-level full-text index holds: the folded messages and the host tokens of fieldToken. */
  readonly terms: string
  /** The Bloom filter of its trace and correlation ids (block-bloom.ts). */
  readonly refBloom: Uint8Array
}

/**
 * The token that stands for `field = value` in the block-level full-text index: letters and
 * digits only, so the tokenizer keeps it whole. A hash collision only makes a block a
 * candidate that its columns then rule out. Hosts have one; trace and correlation ids had
 * them up to schema 3, and have a Bloom filter per block since (block-bloom.ts).
 */
export const fieldToken = (field: "host", value: string) => `zq${field[0]}${(Bun.hash(value) as bigint).toString(36)}`

/**
 * The columns of records of one service in time order; `positions` are their places in the
 * block (0, 1, … when absent: a new block); at most `keysPerBlock` attribute keys get columns.
 */
export const encodeColumns = (
  records: ReadonlyArray<LogRecord>,
  positions?: ArrayLike<number>,
  keysPerBlock = DEFAULT_ATTRIBUTE_KEYS_PER_BLOCK
): BlockColumns => {
  const n = records.length
  const at = wideHeadLayout(n)
  const head = new Uint8Array(at.size)
  new DataView(head.buffer).setUint32(0, n, true)
  const ts = new Float64Array(head.buffer, at.ts, n)
  const host = new Uint32Array(head.buffer, at.host, n)
  const position = new Uint16Array(head.buffer, at.position, n)
  const level = new Uint8Array(head.buffer, at.level, n)
  const receivedAt = new Float64Array(n)

  const hosts = new Map<string, number>()
  const attributes = new AttributeCollector()
  let levels = 0

  for (let i = 0; i < n; i++) {
    const r = records[i]!
    ts[i] = r.timestamp
    receivedAt[i] = r.received_at
    position[i] = positions === undefined ? i : positions[i]!
    const code = LEVEL_CODE[r.level]
    level[i] = code
    levels |= 1 << code
    if (r.host !== undefined) {
      let h = hosts.get(r.host)
      if (h === undefined) hosts.set(r.host, (h = hosts.size + 1))
      host[i] = h
    }
    attributes.add(i, r.attributes)
  }

  const { columns, other } = attributes.finish(n, keysPerBlock)
  const refColumn = (field: RefField) => (records.some((r) => r[field] !== undefined) ? encodeText(records.map((r) => r[field])) : null)
  return {
    service: records[0]!.service,
    count: n,
    minTs: ts[0]!,
    maxTs: ts[n - 1]!,
    levels,
    head,
    hosts: JSON.stringify([...hosts.keys()]),
    messages: encodeText(records.map((r) => r.message)),
    ids: encodeText(records.map((r) => r.id)),
    receivedAt: bytesOf(receivedAt),
    refs: { trace_id: refColumn("trace_id"), span_id: refColumn("span_id"), correlation_id: refColumn("correlation_id") },
    attributes: columns,
    otherAttributes: other
  }
}

/** Adds what searching needs to a block's columns: the folded search text, the full-text document, the Bloom filter of its ids. */
export const indexBlock = (block: BlockColumns): EncodedBlock => {
  const { text } = block.messages
  const ends = u32(block.messages.ends)
  const n = block.count
  const folded = new Array<string>(n)
  let searchText: Uint8Array | null = null
  let searchEnds: Uint8Array | null = null
  if (isAscii(text)) {
    // Folding ASCII keeps every length: the whole text folds at once.
    const lower = text.toLowerCase()
    for (let i = 0; i < n; i++) folded[i] = lower.slice(i === 0 ? 0 : ends[i - 1], ends[i])
  } else {
    const byteEnds = new Uint32Array(n)
    let end = 0
    for (let i = 0; i < n; i++) {
      folded[i] = fold(text.slice(i === 0 ? 0 : ends[i - 1], ends[i]))
      byteEnds[i] = end += Buffer.byteLength(folded[i]!)
    }
    searchText = Buffer.from(folded.join(""))
    searchEnds = bytesOf(byteEnds)
  }

  const hosts = (JSON.parse(block.hosts) as string[]).map((host) => fieldToken("host", host))
  return { ...block, searchText, searchEnds, terms: `${folded.join("\n")}\n${hosts.join(" ")}`, refBloom: refBloom(block.refs, n) }
}

/** Encodes records of one service in time order, as stored. */
export const encodeBlock = (records: ReadonlyArray<LogRecord>, positions?: ArrayLike<number>, keysPerBlock?: number): EncodedBlock =>
  indexBlock(encodeColumns(records, positions, keysPerBlock))

/** The stored parts of a block a record is rebuilt from. */
export interface BlockContent {
  readonly service: string
  readonly head: BlockHead
  readonly hosts: ReadonlyArray<string>
  readonly message: (i: number) => string
  readonly ids: IdValues
  readonly receivedAt: Float64Array
  readonly refs: Readonly<Record<RefField, TextValues | null>>
  readonly attributes: ReadonlyArray<readonly [string, AttributeColumn]>
  /** Record i's attributes whose keys have no column; absent when every key has one. */
  readonly other?: (i: number) => Attributes | undefined
}

export const recordAt = (block: BlockContent, i: number): LogRecord => {
  const { head } = block
  const record: { -readonly [K in keyof LogRecord]: LogRecord[K] } = {
    id: block.ids.at(i),
    timestamp: head.ts[i]!,
    received_at: block.receivedAt[i]!,
    service: block.service,
    level: LEVELS[head.level[i]!]!,
    message: block.message(i)
  } as LogRecord
  const h = head.host[i]!
  if (h !== 0) record.host = block.hosts[h - 1]!
  for (const field of REF_FIELDS) {
    const column = block.refs[field]
    const value = column === null ? "" : textAt(column, i)
    if (value !== "") record[field] = value
  }
  const attributes: Attributes = {}
  for (const [key, column] of block.attributes) {
    const value = column.at(i)
    if (value !== undefined) attributes[key] = value
  }
  const other = block.other?.(i)
  if (other !== undefined) Object.assign(attributes, other)
  record.attributes = attributes
  return record
}

/** A block's columns as the parts its records are rebuilt from (recordAt). */
export const contentOf = (block: BlockColumns): BlockContent => {
  const messages = decodeText(block.messages.text, block.messages.ends)
  const text = (column: TextColumn | null) => (column === null ? null : decodeText(column.text, column.ends))
  return {
    service: block.service,
    head: decodeHead(block.head),
    hosts: JSON.parse(block.hosts) as string[],
    message: (i) => textAt(messages, i),
    ids: idValuesOf(decodeText(block.ids.text, block.ids.ends)),
    receivedAt: f64(block.receivedAt),
    refs: { trace_id: text(block.refs.trace_id), span_id: text(block.refs.span_id), correlation_id: text(block.refs.correlation_id) },
    attributes: block.attributes.map((a) => [a.key, decodeAttribute({ numbers: null, dictionary: null, indexes: a.packed }, block.count)] as const),
    ...(block.otherAttributes === null ? {} : { other: otherAttributes(decodeTexts(block.otherAttributes, block.count)) })
  }
}
