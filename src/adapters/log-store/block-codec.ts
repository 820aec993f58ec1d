import { LEVELS, type AttributeValue, type Attributes, type Level, type LogRecord } from "../../domain/log-record.ts"

/**
 * How a block (up to 65,536 records of one service) is laid out. Columns a search reads for
 * every candidate block are small and binary (the head: times, host numbers, positions,
 * levels); the rest is JSON, read only for blocks that hold matches. A record's `seq`
 * (arrival order, the cursor's tiebreak) is `block * 65536 + position`; a position stays with
 * its record when retention rewrites the block.
 */

export const BLOCK_CAPACITY = 65_536

export const LEVEL_CODE: Readonly<Record<Level, number>> = Object.fromEntries(LEVELS.map((l, i) => [l, i])) as Record<Level, number>

export interface EncodedBlock {
  readonly service: string
  readonly count: number
  readonly minTs: number
  readonly maxTs: number
  /** Bit `LEVEL_CODE[level]` set for each level present. */
  readonly levels: number
  readonly head: Uint8Array
  /** JSON array of the distinct hosts; the head numbers them from 1 (0: no host). */
  readonly hosts: string
  /** The messages one after another, and where each ends (u32 UTF-16 offsets): one is read without the rest. */
  readonly messages: string
  readonly messageEnds: Uint8Array
  /** JSON array of ids. */
  readonly ids: string
  /** JSON object of columns (received_at, trace_id, span_id, correlation_id), null where absent. */
  readonly refs: string
  /** One column per attribute key: numbers (NaN where absent) when every value is a number, JSON otherwise. */
  readonly attributes: ReadonlyArray<{ readonly key: string; readonly numbers: Float64Array | null; readonly values: string | null }>
  /** What the block-level full-text index holds: the messages and the tokens of fieldToken. */
  readonly terms: string
}

/** The head: [count u32, pad][ts f64 × n][host u32 × n][position u16 × n][level u8 × n]. */
const headLayout = (n: number) => ({ ts: 8, host: 8 + 8 * n, position: 8 + 12 * n, level: 8 + 14 * n, size: 8 + 15 * n })

export interface BlockHead {
  readonly count: number
  readonly ts: Float64Array
  readonly host: Uint32Array
  readonly position: Uint16Array
  readonly level: Uint8Array
}

/** Typed views need aligned offsets: a blob that does not start on a multiple of `bytes` is copied. */
const aligned = (blob: Uint8Array, bytes: number) => blob.byteOffset % bytes === 0 ? blob : blob.slice()

export const decodeHead = (bytes: Uint8Array): BlockHead => {
  const blob = aligned(bytes, 8)
  const count = new DataView(blob.buffer, blob.byteOffset, 4).getUint32(0, true)
  const at = headLayout(count)
  const base = blob.byteOffset
  return {
    count,
    ts: new Float64Array(blob.buffer, base + at.ts, count),
    host: new Uint32Array(blob.buffer, base + at.host, count),
    position: new Uint16Array(blob.buffer, base + at.position, count),
    level: new Uint8Array(blob.buffer, base + at.level, count)
  }
}

/**
 * The token that stands for `field = value` in the block-level full-text index: letters and
 * digits only, so the tokenizer keeps it whole. A hash collision only makes a block a
 * candidate that its columns then rule out.
 */
export const fieldToken = (field: "host" | "trace_id" | "correlation_id", value: string) =>
  `zq${field[0]}${(Bun.hash(value) as bigint).toString(36)}`

const REF_FIELDS = ["trace_id", "span_id", "correlation_id"] as const
export type RefField = (typeof REF_FIELDS)[number]
export interface BlockRefs {
  readonly received_at: ReadonlyArray<number>
  readonly trace_id?: ReadonlyArray<string | null>
  readonly span_id?: ReadonlyArray<string | null>
  readonly correlation_id?: ReadonlyArray<string | null>
}

/** Encodes records of one service; `positions` are their places in the block (0, 1, … when absent: a new block). */
export const encodeBlock = (records: ReadonlyArray<LogRecord>, positions?: ArrayLike<number>): EncodedBlock => {
  const n = records.length
  const at = headLayout(n)
  const head = new Uint8Array(at.size)
  new DataView(head.buffer).setUint32(0, n, true)
  const ts = new Float64Array(head.buffer, at.ts, n)
  const host = new Uint32Array(head.buffer, at.host, n)
  const position = new Uint16Array(head.buffer, at.position, n)
  const level = new Uint8Array(head.buffer, at.level, n)

  const hosts = new Map<string, number>()
  const messages = new Array<string>(n)
  const messageEnds = new Uint32Array(n)
  let end = 0
  const ids = new Array<string>(n)
  const receivedAt = new Array<number>(n)
  const refs: Partial<Record<RefField, Array<string | null>>> = {}
  const attributes = new Map<string, Array<AttributeValue | null>>()
  const tokens = new Set<string>()
  let minTs = Infinity
  let maxTs = -Infinity
  let levels = 0

  for (let i = 0; i < n; i++) {
    const r = records[i]!
    ts[i] = r.timestamp
    if (r.timestamp < minTs) minTs = r.timestamp
    if (r.timestamp > maxTs) maxTs = r.timestamp
    position[i] = positions === undefined ? i : positions[i]!
    const code = LEVEL_CODE[r.level]
    level[i] = code
    levels |= 1 << code
    if (r.host !== undefined) {
      let h = hosts.get(r.host)
      if (h === undefined) {
        hosts.set(r.host, h = hosts.size + 1)
        tokens.add(fieldToken("host", r.host))
      }
      host[i] = h
    }
    messages[i] = r.message
    messageEnds[i] = end += r.message.length
    ids[i] = r.id
    receivedAt[i] = r.received_at
    for (const field of REF_FIELDS) {
      const value = r[field]
      if (value === undefined) continue
      ;(refs[field] ??= new Array<string | null>(n).fill(null))[i] = value
      if (field !== "span_id") tokens.add(fieldToken(field, value))
    }
    for (const key in r.attributes) {
      let column = attributes.get(key)
      if (!column) attributes.set(key, column = new Array<AttributeValue | null>(n).fill(null))
      column[i] = r.attributes[key]!
    }
  }

  return {
    service: records[0]!.service,
    count: n,
    minTs,
    maxTs,
    levels,
    head,
    hosts: JSON.stringify([...hosts.keys()]),
    messages: messages.join(""),
    messageEnds: new Uint8Array(messageEnds.buffer),
    ids: JSON.stringify(ids),
    refs: JSON.stringify({ received_at: receivedAt, ...refs }),
    attributes: [...attributes].map(([key, column]) => encodeAttribute(key, column)),
    terms: `${messages.join("\n")}\n${[...tokens].join(" ")}`
  }
}

const encodeAttribute = (key: string, column: ReadonlyArray<AttributeValue | null>) => {
  if (column.every((v) => v === null || typeof v === "number")) {
    return { key, numbers: Float64Array.from(column, (v) => v === null ? Number.NaN : v as number), values: null }
  }
  return { key, numbers: null, values: JSON.stringify(column) }
}

/** One attribute column as stored: a value per record, undefined where the record lacks it. */
export type AttributeColumn = (i: number) => AttributeValue | undefined

export const decodeMessages = (text: string, endsBlob: Uint8Array) => {
  const bytes = aligned(endsBlob, 4)
  const ends = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4)
  return (i: number) => text.slice(i === 0 ? 0 : ends[i - 1], ends[i])
}

export const decodeAttribute = (numbers: Uint8Array | null, values: string | null): AttributeColumn => {
  if (numbers !== null) {
    const bytes = aligned(numbers, 8)
    const column = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8)
    return (i) => {
      const v = column[i]!
      return Number.isNaN(v) ? undefined : v
    }
  }
  const column = JSON.parse(values ?? "[]") as ReadonlyArray<AttributeValue | null>
  return (i) => column[i] ?? undefined
}

/** The stored parts of a block a record is rebuilt from. */
export interface BlockContent {
  readonly service: string
  readonly head: BlockHead
  readonly hosts: ReadonlyArray<string>
  readonly message: (i: number) => string
  readonly ids: ReadonlyArray<string>
  readonly refs: BlockRefs
  readonly attributes: ReadonlyArray<readonly [string, AttributeColumn]>
}

export const recordAt = (block: BlockContent, i: number): LogRecord => {
  const { head } = block
  const record: { -readonly [K in keyof LogRecord]: LogRecord[K] } = {
    id: block.ids[i]!,
    timestamp: head.ts[i]!,
    received_at: block.refs.received_at[i]!,
    service: block.service,
    level: LEVELS[head.level[i]!]!,
    message: block.message(i)
  } as LogRecord
  const h = head.host[i]!
  if (h !== 0) record.host = block.hosts[h - 1]!
  for (const field of REF_FIELDS) {
    const value = block.refs[field]?.[i]
    if (value !== undefined && value !== null) record[field] = value
  }
  const attributes: Attributes = {}
  for (const [key, column] of block.attributes) {
    const value = column(i)
    if (value !== undefined) attributes[key] = value
  }
  record.attributes = attributes
  return record
}
