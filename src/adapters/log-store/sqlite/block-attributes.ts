import type { AttributeValue, Attributes } from "../../../domain/log-record.ts"
import { decodeSparse, encodeSparse, encodeTexts } from "./block-columns.ts"
import { f64, type TextValues, textAt, u32 } from "./block-text.ts"

/**
 * A block's attributes cost what they hold. Each key is a column of the records that have it:
 * their positions and their values only (encodeSparse: positions as gaps, values as numbers or
 * a dictionary, compressed), so a key on one record in a block costs one value, not a column
 * as long as the block. A block gives columns to at most
 * `keysPerBlock` keys (those on the most records); the other keys' values are kept per record
 * as one JSON text ("other attributes"), which `key:value` still searches (block-read.ts).
 */

export const DEFAULT_ATTRIBUTE_KEYS_PER_BLOCK = 512

export interface EncodedAttribute {
  readonly key: string
  /** The rows that have the key and their values, encoded and compressed (encodeSparse). */
  readonly packed: Uint8Array
}

interface KeyValues {
  readonly rows: number[]
  readonly values: AttributeValue[]
}

const encodeKey = (key: string, values: KeyValues, count: number): EncodedAttribute => ({ key, packed: encodeSparse(values, count) })

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
  finish(count: number, keysPerBlock: number): { columns: EncodedAttribute[]; other: Uint8Array | null } {
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
      other: encodeTexts(Array.from(others, (o) => (o === undefined ? undefined : JSON.stringify(o))))
    }
  }
}

/** One attribute column as stored: a value per record, undefined where the record lacks it. */
export interface AttributeColumn {
  readonly at: (i: number) => AttributeValue | undefined
  /** For a dictionary column: its distinct values and each record's 1-based index into them (0: absent). */
  readonly dictionary?: { readonly values: ReadonlyArray<AttributeValue>; readonly indexes: Uint32Array }
}

/** A column as block_attributes holds it: packed (since schema 5), or a slot per record as numbers or a dictionary (before). */
export interface StoredAttribute {
  readonly numbers: Uint8Array | null
  readonly dictionary: string | null
  readonly indexes: Uint8Array | null
}

const dictionaryColumn = (values: ReadonlyArray<AttributeValue>, indexes: Uint32Array): AttributeColumn => ({
  at: (i) => (indexes[i] ? values[indexes[i]! - 1] : undefined),
  dictionary: { values, indexes }
})

/** A column of a block of `count` records, with a slot per record as searches read it. */
export const decodeAttribute = ({ numbers, dictionary, indexes }: StoredAttribute, count: number): AttributeColumn => {
  if (numbers === null && dictionary === null && indexes !== null) {
    const sparse = decodeSparse(indexes, count)
    return dictionaryColumn(sparse.values, sparse.indexes)
  }
  if (numbers !== null) {
    const column = f64(numbers)
    return {
      at: (i) => {
        const v = column[i]!
        return Number.isNaN(v) ? undefined : v
      }
    }
  }
  return dictionaryColumn(JSON.parse(dictionary ?? "[]") as AttributeValue[], u32(indexes ?? new Uint8Array(0)))
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
