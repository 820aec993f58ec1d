/**
 * The typed-array views and the text columns that block blobs are made of: texts one after
 * another with their end offsets, read one value at a time without decoding the others.
 */

/** Typed views need aligned offsets: a blob that does not start on a multiple of `bytes` is copied. */
export const aligned = (blob: Uint8Array, bytes: number) => (blob.byteOffset % bytes === 0 ? blob : blob.slice())
export const u32 = (blob: Uint8Array) => {
  const a = aligned(blob, 4)
  return new Uint32Array(a.buffer, a.byteOffset, a.byteLength / 4)
}
export const f64 = (blob: Uint8Array) => {
  const a = aligned(blob, 8)
  return new Float64Array(a.buffer, a.byteOffset, a.byteLength / 8)
}
export const bytesOf = (array: Uint32Array | Float64Array) => new Uint8Array(array.buffer, array.byteOffset, array.byteLength)

/** Texts one after another, and where each ends (u32 UTF-16 offsets); an empty text is an absent value. */
export interface TextColumn {
  readonly text: string
  readonly ends: Uint8Array
}

export const encodeText = (values: ReadonlyArray<string | undefined>): TextColumn => {
  const ends = new Uint32Array(values.length)
  let end = 0
  for (let i = 0; i < values.length; i++) ends[i] = end += values[i]?.length ?? 0
  return { text: values.join(""), ends: bytesOf(ends) }
}

/** One record's values of a text column, read without decoding the others. */
export interface TextValues {
  readonly text: string
  readonly ends: Uint32Array
}

export const decodeText = (text: string, ends: Uint8Array): TextValues => ({ text, ends: u32(ends) })

export const textAt = ({ text, ends }: TextValues, i: number): string => text.slice(i === 0 ? 0 : ends[i - 1], ends[i])

/** Every value of a text column, in order. */
export const allText = (values: TextValues): string[] => Array.from({ length: values.ends.length }, (_, i) => textAt(values, i))

/**
 * A block's ids: record i's id. Packed ULIDs are made into text only for the records asked
 * for, so a page that takes a few records of a block does not spell out all of its ids.
 */
export interface IdValues {
  readonly length: number
  readonly at: (i: number) => string
}

export const idValuesOf = (values: TextValues): IdValues => ({ length: values.ends.length, at: (i) => textAt(values, i) })

export const allIds = (ids: IdValues): string[] => Array.from({ length: ids.length }, (_, i) => ids.at(i))
