import { decodeText, type TextColumn, textAt } from "./block-text.ts"

/**
 * A Bloom filter per block over its trace and correlation ids: 10 bits per value and 7 probes,
 * about 1% false positives. Nearly every record has an id of its own, and as full-text tokens
 * these cost more to index than all the words of the messages; a filter costs a few hash
 * probes per record, and a search for one trace reads one small blob per block to skip
 * almost every block. A false positive only makes a block one whose column is then checked.
 */

const PROBES = 7
const BITS_PER_VALUE = 10
export type BloomField = "trace_id" | "correlation_id"
const SEED: Readonly<Record<BloomField, number>> = { trace_id: 0x7a11, correlation_id: 0xc022 }

/** The bit positions of one value, by double hashing (Kirsch–Mitzenmacher). */
const probe = (field: BloomField, value: string, bits: number, visit: (bit: number) => void) => {
  const h1 = Bun.hash.murmur32v3(value, SEED[field]) >>> 0
  const h2 = (Bun.hash.murmur32v3(value, SEED[field] + 1) | 1) >>> 0
  for (let i = 0; i < PROBES; i++) visit((h1 + i * h2) % bits)
}

/** The filter of a block's trace and correlation id columns (null where the block has none of the field). */
export const refBloom = (columns: Readonly<Record<BloomField, TextColumn | null>>, count: number): Uint8Array => {
  const present = (["trace_id", "correlation_id"] as const).filter((field) => columns[field] !== null)
  const bloom = new Uint8Array(Math.ceil((present.length * count * BITS_PER_VALUE) / 8))
  const bits = bloom.length * 8
  const set = (bit: number) => {
    bloom[bit >>> 3]! |= 1 << (bit & 7)
  }
  for (const field of present) {
    const values = decodeText(columns[field]!.text, columns[field]!.ends)
    for (let i = 0; i < count; i++) {
      const value = textAt(values, i)
      if (value !== "") probe(field, value, bits, set)
    }
  }
  return bloom
}

/** False when the block certainly holds no record with `field` equal to `value`. */
export const bloomMayHold = (bloom: Uint8Array, field: BloomField, value: string): boolean => {
  const bits = bloom.length * 8
  if (bits === 0) return false
  let all = true
  probe(field, value, bits, (bit) => {
    if ((bloom[bit >>> 3]! & (1 << (bit & 7))) === 0) all = false
  })
  return all
}
