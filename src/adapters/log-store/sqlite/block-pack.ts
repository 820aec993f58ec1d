import type { EncodedBlock, RefField } from "./block-codec.ts"
import { decodeAsciiFolded, decodeHex, decodeIds, decodeNumbers, decodeTexts, encodeHex, encodeIds, encodeJoinedTexts, encodeNumbers } from "./block-columns.ts"
import { allText, decodeText, f64, type IdValues, idValuesOf, type TextColumn, type TextValues, u32 } from "./block-text.ts"

/**
 * How block_data holds a block's columns. Since schema 5 a block is packed: each column is
 * encoded for what it holds and compressed on its own (block-columns.ts), so a read
 * decompresses only the columns it needs, for one block. Its end-offset columns are then empty
 * (a plain block's have 4 bytes per record), which is how a packed block is told apart.
 * The messages as searches see them are not stored when folding is lower-casing (ASCII text):
 * they are the messages, lower-cased when read. Blocks written before stay plain and read as
 * they always did.
 */

const EMPTY = new Uint8Array(0)

/** A block_data row: text columns (plain) or blobs (packed), and the end offsets (empty when packed). */
export interface DataRow {
  readonly search_ends: Uint8Array
  readonly search_text: Uint8Array
  readonly message_ends: Uint8Array
  readonly messages: string | Uint8Array
  readonly id_ends: Uint8Array
  readonly ids: string | Uint8Array
  readonly received_at: Uint8Array
  readonly trace_id_ends: Uint8Array | null
  readonly trace_ids: string | Uint8Array | null
  readonly span_id_ends: Uint8Array | null
  readonly span_ids: string | Uint8Array | null
  readonly correlation_id_ends: Uint8Array | null
  readonly correlation_ids: string | Uint8Array | null
  readonly other_attributes: Uint8Array | null
}

const textValues = (column: TextColumn) => allText(decodeText(column.text, column.ends))

/** The row a block is stored as: packed. */
export const packData = (b: EncodedBlock): DataRow => {
  const ref = (column: TextColumn | null, encode: (values: ReadonlyArray<string | undefined>) => Uint8Array) =>
    column === null ? null : encode(textValues(column))
  const texts = (column: TextColumn) => encodeJoinedTexts(column.text, u32(column.ends))
  return {
    search_ends: b.searchEnds ?? EMPTY,
    search_text: b.searchText ?? EMPTY,
    message_ends: EMPTY,
    messages: texts(b.messages),
    id_ends: EMPTY,
    ids: encodeIds(textValues(b.ids)),
    received_at: encodeNumbers(f64(b.receivedAt)),
    trace_id_ends: null,
    trace_ids: ref(b.refs.trace_id, encodeHex),
    span_id_ends: null,
    span_ids: ref(b.refs.span_id, encodeHex),
    correlation_id_ends: null,
    correlation_ids: b.refs.correlation_id === null ? null : texts(b.refs.correlation_id),
    other_attributes: b.otherAttributes
  }
}

const isPacked = (idEnds: Uint8Array) => idEnds.byteLength === 0

const asBytes = (value: string | Uint8Array) => (typeof value === "string" ? Buffer.from(value) : value)
const asText = (value: string | Uint8Array) => (typeof value === "string" ? value : Buffer.from(value).toString())

export const readIds = (row: Pick<DataRow, "ids" | "id_ends">, count: number): IdValues =>
  isPacked(row.id_ends) ? decodeIds(asBytes(row.ids), count) : idValuesOf(decodeText(asText(row.ids), row.id_ends))

export const readReceivedAt = (row: Pick<DataRow, "received_at" | "id_ends">, count: number): Float64Array =>
  isPacked(row.id_ends) ? decodeNumbers(row.received_at, count) : f64(row.received_at)

const REF_COLUMNS = {
  trace_id: ["trace_ids", "trace_id_ends", decodeHex],
  span_id: ["span_ids", "span_id_ends", decodeHex],
  correlation_id: ["correlation_ids", "correlation_id_ends", decodeTexts]
} as const

/** A trace, span or correlation id column; null when no record of the block has the field. */
type RefRow = Pick<DataRow, "id_ends" | (typeof REF_COLUMNS)[RefField][0] | (typeof REF_COLUMNS)[RefField][1]>

export const readRef = (row: RefRow, field: RefField, count: number): TextValues | null => {
  const [valuesKey, endsKey, decode] = REF_COLUMNS[field]
  const values = row[valuesKey]
  if (values === null) return null
  if (isPacked(row.id_ends)) return decode(asBytes(values), count)
  const ends = row[endsKey]
  return ends === null ? null : decodeText(asText(values), ends)
}

export const readMessages = (row: Pick<DataRow, "messages" | "message_ends">, count: number): TextValues =>
  isPacked(row.message_ends) ? decodeTexts(asBytes(row.messages), count) : decodeText(asText(row.messages), row.message_ends)

/** The messages as text searches see them (folded, UTF-8) and where each ends (byte offsets). */
export interface SearchText {
  readonly bytes: Buffer
  readonly ends: Uint32Array
}

type SearchRow = Pick<DataRow, "search_text" | "search_ends" | "messages" | "message_ends">

export const readSearchText = (row: SearchRow, count: number): SearchText => {
  // Stored only as the (packed) messages: ASCII, whose folding is lower-casing and keeps every offset.
  if (row.search_ends.byteLength === 0) return decodeAsciiFolded(asBytes(row.messages), count)
  return { bytes: Buffer.from(row.search_text.buffer, row.search_text.byteOffset, row.search_text.byteLength), ends: u32(row.search_ends) }
}
