import type { AttributeValue } from "../../../domain/log-record.ts"
import { ByteReader, ByteWriter, DELTA_LIMIT, pack, shuffle, unpack, unshuffle, unzigzag, zigzag } from "./block-bytes.ts"
import { type IdValues, idValuesOf, type TextValues } from "./block-text.ts"

/**
 * The column codecs of a compressed block (block-pack.ts): each column is encoded for what it
 * holds, then compressed on its own (pack), so reading one column decompresses only that one.
 * - numbers (times, numeric attributes): integers as deltas from the previous value, as
 *   varints; anything else (fractions, NaN, ±Infinity, -0) as its 8 bytes in byte planes.
 * - small integers (levels, host numbers, positions, dictionary indexes): bit-packed at the
 *   width of the largest; 0, 1, 2 … (a block's positions, mostly) costs nothing.
 * - text: the lengths as varints, then the UTF-8 of every value.
 * - ULIDs: 16 bytes each, as the difference from the previous id (LogFlow's ids increase by
 *   one within a millisecond), in byte planes.
 * - hex ids of one length (trace and span ids): their bytes.
 * - sparse attributes: the rows that have the key, then their values (numbers, or a
 *   dictionary of distinct values and an index per row; the dictionary is JSON, so a number
 *   among text is kept as JSON keeps it: attribute values are finite, and -0 reads as 0).
 */

const written = (write: (w: ByteWriter) => void): Uint8Array => {
  const w = new ByteWriter()
  write(w)
  return pack(w.done())
}

const reading = (stored: Uint8Array) => new ByteReader(unpack(stored))

const NUMBERS_AS_DELTAS = 0
const NUMBERS_AS_BYTES = 1

const asDeltas = (values: ArrayLike<number>) => {
  let previous = 0
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    if (!Number.isSafeInteger(v) || Object.is(v, -0) || Math.abs(v - previous) >= DELTA_LIMIT) return false
    previous = v
  }
  return true
}

const writeNumbers = (w: ByteWriter, values: ArrayLike<number>) => {
  if (asDeltas(values)) {
    w.u8(NUMBERS_AS_DELTAS)
    let previous = 0
    for (let i = 0; i < values.length; i++) {
      w.varint(zigzag(values[i]! - previous))
      previous = values[i]!
    }
    return
  }
  w.u8(NUMBERS_AS_BYTES)
  const f = Float64Array.from(values)
  w.bytes(shuffle(new Uint8Array(f.buffer), 8))
}

const readNumbers = (r: ByteReader, n: number): Float64Array => {
  const out = new Float64Array(n)
  if (r.u8() === NUMBERS_AS_DELTAS) {
    let previous = 0
    for (let i = 0; i < n; i++) out[i] = previous += unzigzag(r.varint())
    return out
  }
  out.set(new Float64Array(unshuffle(r.take(8 * n), 8).buffer))
  return out
}

export const encodeNumbers = (values: ArrayLike<number>) => written((w) => writeNumbers(w, values))
export const decodeNumbers = (stored: Uint8Array, n: number) => readNumbers(reading(stored), n)

/** Bit width 255: every value equals its index. */
const IDENTITY = 255

const writeSmallInts = (w: ByteWriter, values: ArrayLike<number>) => {
  let max = 0
  let identity = true
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    if (!(Number.isInteger(v) && v >= 0 && v < 2 ** 31)) throw new RangeError(`not a small integer: ${v}`)
    if (v > max) max = v
    if (v !== i) identity = false
  }
  if (identity) return w.u8(IDENTITY)
  const width = max === 0 ? 0 : 32 - Math.clz32(max)
  w.u8(width)
  const bytes = new Uint8Array(Math.ceil((values.length * width) / 8))
  let bit = 0
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    for (let b = 0; b < width; b++, bit++) if ((v >>> b) & 1) bytes[bit >>> 3]! |= 1 << (bit & 7)
  }
  w.bytes(bytes)
}

const readSmallInts = (r: ByteReader, n: number): Uint32Array => {
  const out = new Uint32Array(n)
  const width = r.u8()
  if (width === IDENTITY) {
    for (let i = 0; i < n; i++) out[i] = i
    return out
  }
  const bytes = r.take(Math.ceil((n * width) / 8))
  if (width === 0) return out
  if (width <= 25) {
    // A value and the bits before it in its first byte fit in the 32 bits of four bytes.
    const mask = 2 ** width - 1
    for (let i = 0, bit = 0; i < n; i++, bit += width) {
      const at = bit >>> 3
      const window = bytes[at]! | ((bytes[at + 1] ?? 0) << 8) | ((bytes[at + 2] ?? 0) << 16) | ((bytes[at + 3] ?? 0) << 24)
      out[i] = (window >>> (bit & 7)) & mask
    }
    return out
  }
  let bit = 0
  for (let i = 0; i < n; i++) {
    let v = 0
    for (let b = 0; b < width; b++, bit++) if (bytes[bit >>> 3]! & (1 << (bit & 7))) v |= 1 << b
    out[i] = v >>> 0
  }
  return out
}

export const encodeSmallInts = (values: ArrayLike<number>) => written((w) => writeSmallInts(w, values))
export const decodeSmallInts = (stored: Uint8Array, n: number) => readSmallInts(reading(stored), n)

const utf8 = new TextEncoder()
const fromUtf8 = new TextDecoder()

/** Text values one after another and where each ends (UTF-16 offsets, as block-text.ts reads them); "" is an absent value. */
const writeTexts = (w: ByteWriter, values: ReadonlyArray<string | undefined>) => {
  for (const v of values) w.varint(v?.length ?? 0)
  w.bytes(utf8.encode(values.join("")))
}

/** The same, from the values already joined and where each ends. */
const writeJoinedTexts = (w: ByteWriter, text: string, ends: Uint32Array) => {
  for (let i = 0; i < ends.length; i++) w.varint(ends[i]! - (i === 0 ? 0 : ends[i - 1]!))
  w.bytes(utf8.encode(text))
}

const readTexts = (r: ByteReader, n: number): TextValues => {
  const ends = new Uint32Array(n)
  let end = 0
  for (let i = 0; i < n; i++) ends[i] = end += r.varint()
  return { text: fromUtf8.decode(r.take(r.bytes.length - r.position)), ends }
}

export const encodeTexts = (values: ReadonlyArray<string | undefined>) => written((w) => writeTexts(w, values))
export const encodeJoinedTexts = (text: string, ends: Uint32Array) => written((w) => writeJoinedTexts(w, text, ends))
export const decodeTexts = (stored: Uint8Array, n: number) => readTexts(reading(stored), n)

/**
 * ASCII texts (encodeTexts) as searches read them: their bytes lower-cased and where each ends,
 * straight from the stored bytes, with no JavaScript string made on the way.
 */
export const decodeAsciiFolded = (stored: Uint8Array, n: number): { bytes: Buffer; ends: Uint32Array } => {
  const r = reading(stored)
  const ends = new Uint32Array(n)
  let end = 0
  for (let i = 0; i < n; i++) ends[i] = end += r.varint()
  const bytes = Buffer.from(r.take(r.bytes.length - r.position))
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!
    if (c >= 65 && c <= 90) bytes[i] = c + 32
  }
  return { bytes, ends }
}

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
const DIGIT = new Int8Array(128).fill(-1)
for (let i = 0; i < 32; i++) DIGIT[CROCKFORD.charCodeAt(i)] = i
/** 26 digits of which the first carries 3 bits: exactly 128 bits (a larger first digit does not fit, and is stored as text). */
const isUlid = (id: string) => {
  if (id.length !== 26 || !(id.charCodeAt(0) >= 48 && id.charCodeAt(0) <= 55)) return false
  for (let i = 1; i < 26; i++) if (!(DIGIT[id.charCodeAt(i)]! >= 0)) return false
  return true
}

/** A ULID's 128 bits as four 32-bit words, most significant first, into `words` at `at`. */
const ulidWords = (id: string, words: Uint32Array, at: number) => {
  let acc = id.charCodeAt(0) - 48
  let bits = 3
  let word = 0
  let filled = 0
  for (let i = 1; i < 26; i++) {
    acc = (acc << 5) | DIGIT[id.charCodeAt(i)]!
    bits += 5
    if (bits >= 8) {
      bits -= 8
      word = ((word << 8) | ((acc >>> bits) & 0xff)) >>> 0
      acc &= (1 << bits) - 1
      if (++filled % 4 === 0) words[at + filled / 4 - 1] = word
    }
  }
}

const ulidText = (words: Uint32Array, at: number) => {
  let out = CROCKFORD[words[at]! >>> 29]!
  let acc = words[at]! & 0x1fffffff
  let bits = 29
  for (let k = 1; k <= 4; k++) {
    while (bits >= 5) {
      bits -= 5
      out += CROCKFORD[(acc >>> bits) & 31]
      acc &= (1 << bits) - 1
    }
    if (k === 4) break
    // Carry the leftover bits into the next word: at most 4 + 32 bits, split so no shift overflows.
    const next = words[at + k]!
    const take = 5 - bits
    out += CROCKFORD[(acc << take) | (next >>> (32 - take))]
    acc = next & ((2 ** (32 - take) - 1) >>> 0)
    bits = 32 - take
  }
  return out
}

const IDS_AS_TEXT = 0
const IDS_AS_ULIDS = 1

/** `a - b` on 128-bit numbers (four words each), wrapping, into `out` at `at`. */
const subtract128 = (a: Uint32Array, ai: number, b: Uint32Array, bi: number, out: Uint32Array, at: number) => {
  let borrow = 0
  for (let k = 3; k >= 0; k--) {
    const d = a[ai + k]! - b[bi + k]! - borrow
    borrow = d < 0 ? 1 : 0
    out[at + k] = d >>> 0
  }
}

const add128 = (a: Uint32Array, ai: number, b: Uint32Array, bi: number, out: Uint32Array, at: number) => {
  let carry = 0
  for (let k = 3; k >= 0; k--) {
    const s = a[ai + k]! + b[bi + k]! + carry
    carry = s > 0xffffffff ? 1 : 0
    out[at + k] = s >>> 0
  }
}

const bigEndian = (words: Uint32Array) => {
  const bytes = new Uint8Array(words.length * 4)
  const view = new DataView(bytes.buffer)
  for (let i = 0; i < words.length; i++) view.setUint32(i * 4, words[i]!)
  return bytes
}

const fromBigEndian = (bytes: Uint8Array) => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const words = new Uint32Array(bytes.length / 4)
  for (let i = 0; i < words.length; i++) words[i] = view.getUint32(i * 4)
  return words
}

export const encodeIds = (ids: ReadonlyArray<string>) =>
  written((w) => {
    if (!ids.every(isUlid)) {
      w.u8(IDS_AS_TEXT)
      return writeTexts(w, ids)
    }
    w.u8(IDS_AS_ULIDS)
    const values = new Uint32Array(4 * ids.length)
    ids.forEach((id, i) => ulidWords(id, values, 4 * i))
    const deltas = new Uint32Array(values.length)
    for (let i = ids.length - 1; i >= 0; i--) {
      if (i === 0) deltas.set(values.subarray(0, 4))
      else subtract128(values, 4 * i, values, 4 * (i - 1), deltas, 4 * i)
    }
    w.bytes(shuffle(bigEndian(deltas), 16))
  })

export const decodeIds = (stored: Uint8Array, n: number): IdValues => {
  const r = reading(stored)
  if (r.u8() === IDS_AS_TEXT) return idValuesOf(readTexts(r, n))
  const values = fromBigEndian(unshuffle(r.take(16 * n), 16))
  for (let i = 1; i < n; i++) add128(values, 4 * i, values, 4 * (i - 1), values, 4 * i)
  return { length: n, at: (i) => ulidText(values, 4 * i) }
}

const HEX_AS_TEXT = 0
const HEX_AS_BYTES = 1
const LOWER_HEX = /^[0-9a-f]*$/

/** The one even length every present value has, when each is lowercase hex of it; undefined otherwise. */
const hexLength = (values: ReadonlyArray<string | undefined>): number | undefined => {
  let length: number | undefined
  for (const v of values) {
    if (v === undefined || v === "") continue
    if (length === undefined) length = v.length
    if (v.length !== length || length % 2 !== 0) return undefined
  }
  return length !== undefined && LOWER_HEX.test(values.join("")) ? length : undefined
}

export const encodeHex = (values: ReadonlyArray<string | undefined>) =>
  written((w) => {
    const length = hexLength(values)
    if (length === undefined) {
      w.u8(HEX_AS_TEXT)
      return writeTexts(w, values)
    }
    w.u8(HEX_AS_BYTES)
    w.varint(length / 2)
    const present = values.map((v) => (v === undefined || v === "" ? 0 : 1))
    // Trace and span ids are mostly on every record or on none: then no presence bits.
    const all = present.every((p) => p === 1)
    w.u8(all ? 1 : 0)
    if (!all) writeSmallInts(w, present)
    w.bytes(Buffer.from(values.join(""), "hex"))
  })

export const decodeHex = (stored: Uint8Array, n: number): TextValues => {
  const r = reading(stored)
  if (r.u8() === HEX_AS_TEXT) return readTexts(r, n)
  const length = 2 * r.varint()
  const present = r.u8() === 1 ? new Uint32Array(n).fill(1) : readSmallInts(r, n)
  const ends = new Uint32Array(n)
  let end = 0
  for (let i = 0; i < n; i++) ends[i] = end += present[i]! * length
  const bytes = r.take(end / 2)
  return { text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex"), ends }
}

/** One attribute key's values in a block: the rows that have it (ascending) and their values. */
export interface SparseValues {
  readonly rows: ReadonlyArray<number>
  readonly values: ReadonlyArray<AttributeValue>
}

const ATTRIBUTE_NUMBERS = 0
const ATTRIBUTE_DICTIONARY = 1

export const encodeSparse = ({ rows, values }: SparseValues, count: number) =>
  written((w) => {
    w.varint(rows.length)
    w.u8(rows.length === count ? 1 : 0)
    if (rows.length !== count) {
      let previous = -1
      for (const row of rows) {
        w.varint(row - previous - 1)
        previous = row
      }
    }
    if (values.every((v) => typeof v === "number")) {
      w.u8(ATTRIBUTE_NUMBERS)
      return writeNumbers(w, values as ReadonlyArray<number>)
    }
    w.u8(ATTRIBUTE_DICTIONARY)
    const dictionary = new Map<AttributeValue, number>()
    const indexes = values.map((v) => {
      let k = dictionary.get(v)
      if (k === undefined) dictionary.set(v, (k = dictionary.size))
      return k
    })
    const json = utf8.encode(JSON.stringify([...dictionary.keys()]))
    w.varint(json.length)
    w.bytes(json)
    writeSmallInts(w, indexes)
  })

/** A sparse column read back: for each row of the block, 1 + its value's index in `values` (0: absent). */
export interface DecodedSparse {
  readonly values: ReadonlyArray<AttributeValue>
  readonly indexes: Uint32Array
}

export const decodeSparse = (stored: Uint8Array, count: number): DecodedSparse => {
  const r = reading(stored)
  const present = r.varint()
  const rows = new Uint32Array(present)
  if (r.u8() === 1) for (let i = 0; i < present; i++) rows[i] = i
  else for (let i = 0, previous = -1; i < present; i++) rows[i] = previous += r.varint() + 1
  const indexes = new Uint32Array(count)
  if (r.u8() === ATTRIBUTE_NUMBERS) {
    const values = readNumbers(r, present)
    for (let i = 0; i < present; i++) indexes[rows[i]!] = i + 1
    return { values: Array.from(values), indexes }
  }
  const values = JSON.parse(fromUtf8.decode(r.take(r.varint()))) as AttributeValue[]
  const index = readSmallInts(r, present)
  for (let i = 0; i < present; i++) indexes[rows[i]!] = index[i]! + 1
  return { values, indexes }
}
