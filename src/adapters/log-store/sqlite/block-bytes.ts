/**
 * Bytes in and out, for the column codecs (block-columns.ts): a growing buffer with unsigned
 * varints (up to 2^53), and a reader over one. Varints make small numbers (deltas, lengths,
 * positions) take one byte, which is most of what a block's columns hold.
 */

export class ByteWriter {
  private buffer = new Uint8Array(256)
  length = 0

  private room(n: number) {
    if (this.length + n <= this.buffer.length) return
    const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.length + n))
    grown.set(this.buffer.subarray(0, this.length))
    this.buffer = grown
  }

  u8(v: number) {
    this.room(1)
    this.buffer[this.length++] = v
  }

  /** A non-negative integer up to 2^53, 7 bits a byte (arithmetic, not bit operators, past 2^31). */
  varint(v: number) {
    this.room(8)
    while (v >= 0x80) {
      this.buffer[this.length++] = (v % 0x80) | 0x80
      v = Math.floor(v / 0x80)
    }
    this.buffer[this.length++] = v
  }

  bytes(b: Uint8Array) {
    this.room(b.length)
    this.buffer.set(b, this.length)
    this.length += b.length
  }

  /** The bytes written so far (a view; the writer is not used after). */
  done(): Uint8Array {
    return this.buffer.subarray(0, this.length)
  }
}

export class ByteReader {
  position = 0
  constructor(readonly bytes: Uint8Array) {}

  u8(): number {
    if (this.position >= this.bytes.length) throw new RangeError("column ends early")
    return this.bytes[this.position++]!
  }

  varint(): number {
    let v = 0
    let scale = 1
    for (;;) {
      const b = this.u8()
      v += (b & 0x7f) * scale
      if (b < 0x80) return v
      scale *= 0x80
    }
  }

  take(n: number): Uint8Array {
    if (this.position + n > this.bytes.length) throw new RangeError("column ends early")
    const out = this.bytes.subarray(this.position, this.position + n)
    this.position += n
    return out
  }
}

/** Signed integers (|v| < 2^52) as unsigned ones with small magnitudes small: 0, -1, 1, -2 … → 0, 1, 2, 3 … */
export const zigzag = (v: number) => (v >= 0 ? 2 * v : -2 * v - 1)
export const unzigzag = (z: number) => (z % 2 === 0 ? z / 2 : -(z + 1) / 2)

/** The smallest and largest integer a delta may be: their zigzag form stays exact below 2^53. */
export const DELTA_LIMIT = 2 ** 51

/** Fixed-width values as byte planes (byte k of every value, then byte k + 1 …): alike bytes sit together, and compress. */
export const shuffle = (bytes: Uint8Array, width: number): Uint8Array => {
  const n = bytes.length / width
  const out = new Uint8Array(bytes.length)
  for (let i = 0; i < n; i++) for (let k = 0; k < width; k++) out[k * n + i] = bytes[i * width + k]!
  return out
}

export const unshuffle = (planes: Uint8Array, width: number): Uint8Array => {
  const n = planes.length / width
  const out = new Uint8Array(planes.length)
  for (let i = 0; i < n; i++) for (let k = 0; k < width; k++) out[i * width + k] = planes[k * n + i]!
  return out
}

/**
 * A column's bytes as stored: zstd-compressed when that is smaller (a leading 1), otherwise as
 * they are (a leading 0; tiny and random columns). Level 3: near the ratio of higher levels on
 * block-sized columns at a fraction of their time, which ingest cannot spare (the messages of
 * stored blocks are packed again at a higher level while the writer is idle, block-settle.ts).
 */
const ZSTD_LEVEL = 3
const TOO_SMALL_TO_COMPRESS = 48

export const pack = (raw: Uint8Array, level = ZSTD_LEVEL): Uint8Array => {
  if (raw.length >= TOO_SMALL_TO_COMPRESS) {
    const compressed = Bun.zstdCompressSync(raw, { level })
    if (compressed.length < raw.length) {
      const out = new Uint8Array(compressed.length + 1)
      out[0] = 1
      out.set(compressed, 1)
      return out
    }
  }
  const out = new Uint8Array(raw.length + 1)
  out.set(raw, 1)
  return out
}

export const unpack = (stored: Uint8Array): Uint8Array => {
  const body = stored.subarray(1)
  if (stored[0] === 0) return body
  if (stored[0] === 1) return new Uint8Array(Bun.zstdDecompressSync(body))
  throw new RangeError(`unknown column compression ${stored[0]}`)
}
