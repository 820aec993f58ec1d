import type { AttributeValue, Attributes } from "../../../domain/log-record.ts"
import { bytesOf, encodeText, f64, type TextColumn, type TextValues, textAt, u32 } from "./block-text.ts"

/**
 * A block's attributes cost what they hold. Each key is a column of the records that have it:
 * a value per record of the block when most records have the key (no positions to store), or
 * else the positions of those records and their values only, so a key on one record in a
 * block costs one value, not a column as long as the block. A block gives columns to at most
 * `keysPerBlock` keys (those on the most records); the other keys' values are kept per record
 * as one JSON text ("other attributes"), which `key:value` still searches (block-read.ts).
 */

export const DEFAULT_ATTRIBUTE_KEYS_PER_BLOCK = 512

export interface EncodedAttribute {
  readonly key: string
  /** The rows that have the key (u16 each, ascending) when it pays to list them; null: every row has a value slot. */
  readonly rows: Uint8Array | null
  /** Every value a number: an f64 per slot (NaN where absent). */
  readonly numbers: Uint8Array | null
  /** Otherwise: JSON array of the distinct values, and per slot (u32) 1 + its value's index there, 0 where absent. */
  readonly dictionary: string | null
  readonly indexes: Uint8Array | null
}

interface KeyValues {
  readonly rows: number[]
  readonly values: AttributeValue[]
}

/** Fewer than two thirds of the rows have the key: listing them (2 bytes each) costs less than a slot per row. */
const listsRows = (present: number, count: number) => present * 3 < count * 2

const encodeKey = (key: string, { rows, values }: KeyValues, count: number): EncodedAttribute => {
  const sparse = listsRows(rows.length, count)
  const slots = sparse ? rows.length : count
  const slotOf = (j: number) => (sparse ? j : rows[j]!)
  const listed = sparse ? new Uint8Array(Uint16Array.from(rows).buffer) : null
  if (values.every((v) => typeof v === "number")) {
    const numbers = new Float64Array(slots).fill(Number.NaN)
    for (let j = 0; j < values.length; j++) numbers[slotOf(j)] = values[j] as number
    return { key, rows: listed, numbers: bytesOf(numbers), dictionary: null, indexes: null }
  }
  const dictionary = new Map<AttributeValue, number>()
  const indexes = new Uint32Array(slots)
  for (let j = 0; j < values.length; j++) {
    const v = values[j]!
    let k = dictionary.get(v)
    if (k === undefined) dictionary.set(v, (k = dictionary.size + 1))
    indexes[slotOf(j)] = k
  }
  return { key, rows: listed, numbers: null, dictionary: JSON.stringify([...dictionary.keys()]), indexes: bytesOf(indexes) }
}

/** Gathers a block's attribute values key by key as its records are laid out; memory grows with the values present. */
export class AttributeCollector {
  private readonly keys = new Map<string, KeyValues>()

  add(row: number, attributes: Attributes) {
    for (const key in attributes) {
      let column = this.keys.get(key)
      if (!column) this.keys.set(key, (column = { rows: [], values: [] }))
      column.rows.push(row)
      column.values.push(attributes[key]!)
    }
  }

  /** The columns of the block's `count` rows, and the other attributes (null when every key has a column). */
  finish(count: number, keysPerBlock: number): { columns: EncodedAttribute[]; other: TextColumn | null } {
    let kept = [...this.keys]
    if (kept.length <= keysPerBlock) return { columns: kept.map(([key, values]) => encodeKey(key, values, count)), other: null }
    // Columns for the keys most records have; among equals, the first seen (sort is stable).
    const ranked = [...kept].sort((a, b) => b[1].rows.length - a[1].rows.length)
    const columned = new Set(ranked.slice(0, keysPerBlock).map(([key]) => key))
    kept = kept.filter(([key]) => columned.has(key))
    const others = new Array<Attributes | undefined>(count)
    for (const [key, { rows, values }] of ranked.slice(keysPerBlock)) {
      for (let j = 0; j < rows.length; j++) (others[rows[j]!] ??= {})[key] = values[j]!
    }
    return {
      columns: kept.map(([key, values]) => encodeKey(key, values, count)),
      other: encodeText(Array.from(others, (o) => (o === undefined ? undefined : JSON.stringify(o))))
    }
  }
}

/** One attribute column as stored: a value per record, undefined where the record lacks it. */
export interface AttributeColumn {
  readonly at: (i: number) => AttributeValue | undefined
  /** For a dictionary column: its distinct values and each record's 1-based index into them (0: absent). */
  readonly dictionary?: { readonly values: ReadonlyArray<AttributeValue>; readonly indexes: Uint32Array }
}

export interface StoredAttribute {
  readonly rows: Uint8Array | null
  readonly numbers: Uint8Array | null
  readonly dictionary: string | null
  readonly indexes: Uint8Array | null
}

/** The rows a sparse column lists (u16 blob). */
const listedRows = (blob: Uint8Array) => {
  const bytes = blob.byteOffset % 2 === 0 ? blob : blob.slice()
  return new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2)
}

/** A column of a block of `count` records; a sparse one is spread out to a slot per record, as searches read it. */
export const decodeAttribute = ({ rows, numbers, dictionary, indexes }: StoredAttribute, count: number): AttributeColumn => {
  const listed = rows === null ? null : listedRows(rows)
  if (numbers !== null) {
    let column = f64(numbers)
    if (listed !== null) {
      const spread = new Float64Array(count).fill(Number.NaN)
      for (let j = 0; j < listed.length; j++) spread[listed[j]!] = column[j]!
      column = spread
    }
    return {
      at: (i) => {
        const v = column[i]!
        return Number.isNaN(v) ? undefined : v
      }
    }
  }
  const values = JSON.parse(dictionary ?? "[]") as AttributeValue[]
  let index = u32(indexes ?? new Uint8Array(0))
  if (listed !== null) {
    const spread = new Uint32Array(count)
    for (let j = 0; j < listed.length; j++) spread[listed[j]!] = index[j]!
    index = spread
  }
  return { at: (i) => (index[i] ? values[index[i]! - 1] : undefined), dictionary: { values, indexes: index } }
}

export const NO_ATTRIBUTE: AttributeColumn = { at: () => undefined }

/** Record i's other attributes (those without a column in its block), parsed once per record. */
export const otherAttributes = (column: TextValues): ((i: number) => Attributes | undefined) => {
  const parsed = new Map<number, Attributes | undefined>()
  return (i) => {
    if (!parsed.has(i)) {
      const text = textAt(column, i)
      parsed.set(i, text === "" ? undefined : (JSON.parse(text) as Attributes))
    }
    return parsed.get(i)
  }
}

/** A key without a column of its own, read from the other attributes. */
export const otherAttributeColumn = (key: string, other: (i: number) => Attributes | undefined): AttributeColumn => ({
  at: (i) => {
    const attributes = other(i)
    return attributes !== undefined && Object.hasOwn(attributes, key) ? attributes[key] : undefined
  }
})
