import { aligned } from "./block-text.ts"

/**
 * A block's head: each record's time, host number, position and level, which a search reads
 * for every candidate block, so it is never compressed: decoding it is a few views, or one pass.
 * - wide (how the main thread lays a block out, and how blocks were stored before schema 5):
 *   [count u32][0 u32][ts f64 × n][host u32 × n][position u16 × n][level u8 × n].
 * - compact (stored since schema 5, when every time is a whole millisecond less than 2^32 ms
 *   after the first): [count u32][flags u32][first time f64][times]
 *   [position u16 × n, left out when they are 0, 1, 2 …][hosts and levels], each part padded
 *   to 4 bytes. Times are, when they are in order, each one's gap from the one before, as u8,
 *   u16 or u32 as the largest gap needs (a block of one batch: u16 or less); otherwise each
 *   one's distance from the first, u32. Hosts and levels are one byte a record when the host
 *   numbers are below 32 (host | level << 5), otherwise [host u8, u16 or u32 × n][level u8 × n].
 *   About 3 bytes a record instead of 15 (heads written by the first compact layout, with
 *   neither gaps nor the shared byte, about 6, still read).
 */

export interface BlockHead {
  readonly count: number
  readonly ts: Float64Array
  readonly host: Uint8Array | Uint16Array | Uint32Array
  readonly position: Uint16Array
  readonly level: Uint8Array
}

const COMPACT = 1
const IDENTITY_POSITIONS = 2
/** Bits 2–3 of the flags: the host numbers' width, 1 << code bytes. */
const HOST_WIDTH_SHIFT = 2
/** Bits 4–5: 0, times as distances from the first (u32); 1, 2, 3: as gaps, u8, u16, u32. */
const GAP_WIDTH_SHIFT = 4
/** Host number and level in one byte a record. */
const HOST_LEVEL_BYTE = 64
const LEVEL_SHIFT = 5
const SHARED_BYTE_HOSTS = 1 << LEVEL_SHIFT

export const wideHeadLayout = (n: number) => ({ ts: 8, host: 8 + 8 * n, position: 8 + 12 * n, level: 8 + 14 * n, size: 8 + 15 * n })

const padded = (bytes: number) => Math.ceil(bytes / 4) * 4

const uintArray = (width: number, buffer: ArrayBufferLike, offset: number, n: number) =>
  width === 1 ? new Uint8Array(buffer, offset, n) : width === 2 ? new Uint16Array(buffer, offset, n) : new Uint32Array(buffer, offset, n)

export const decodeHead = (bytes: Uint8Array): BlockHead => {
  const blob = aligned(bytes, 8)
  const words = new DataView(blob.buffer, blob.byteOffset, 8)
  const count = words.getUint32(0, true)
  const flags = words.getUint32(4, true)
  const { buffer, byteOffset: base } = blob
  if ((flags & COMPACT) === 0) {
    const at = wideHeadLayout(count)
    return {
      count,
      ts: new Float64Array(buffer, base + at.ts, count),
      host: new Uint32Array(buffer, base + at.host, count),
      position: new Uint16Array(buffer, base + at.position, count),
      level: new Uint8Array(buffer, base + at.level, count)
    }
  }
  const first = new Float64Array(buffer, base + 8, 1)[0]!
  const ts = new Float64Array(count)
  const gapCode = (flags >>> GAP_WIDTH_SHIFT) & 3
  let at = base + 16
  if (gapCode === 0) {
    const deltas = new Uint32Array(buffer, at, count)
    for (let i = 0; i < count; i++) ts[i] = first + deltas[i]!
    at += 4 * count
  } else {
    const width = 1 << (gapCode - 1)
    const gaps = uintArray(width, buffer, at, count)
    let t = first
    for (let i = 0; i < count; i++) ts[i] = t += gaps[i]!
    at += padded(width * count)
  }
  let position: Uint16Array
  if (flags & IDENTITY_POSITIONS) {
    position = new Uint16Array(count)
    for (let i = 0; i < count; i++) position[i] = i
  } else {
    position = new Uint16Array(buffer, at, count)
    at += padded(2 * count)
  }
  if (flags & HOST_LEVEL_BYTE) {
    const shared = new Uint8Array(buffer, at, count)
    const host = new Uint8Array(count)
    const level = new Uint8Array(count)
    for (let i = 0; i < count; i++) {
      const b = shared[i]!
      host[i] = b & (SHARED_BYTE_HOSTS - 1)
      level[i] = b >>> LEVEL_SHIFT
    }
    return { count, ts, host, position, level }
  }
  const width = 1 << ((flags >>> HOST_WIDTH_SHIFT) & 3)
  const host = uintArray(width, buffer, at, count)
  at += padded(width * count)
  return { count, ts, host, position, level: new Uint8Array(buffer, at, count) }
}

/** The head as stored: compact when its times allow, else wide as it is. */
export const compactHead = (wide: Uint8Array): Uint8Array => {
  const head = decodeHead(wide)
  const n = head.count
  if (n === 0) return wide
  const first = head.ts[0]!
  // Whole milliseconds only: gaps between fractional times need not be exact in floating point.
  if (!Number.isInteger(first)) return wide
  let inOrder = true
  let largestGap = 0
  for (let i = 0; i < n; i++) {
    const delta = head.ts[i]! - first
    if (!Number.isInteger(delta) || delta < 0 || delta >= 2 ** 32) return wide
    const gap = i === 0 ? 0 : head.ts[i]! - head.ts[i - 1]!
    if (gap < 0) inOrder = false
    else if (gap > largestGap) largestGap = gap
  }
  let identity = true
  let largestHost = 0
  let largestLevel = 0
  for (let i = 0; i < n; i++) {
    if (head.position[i] !== i) identity = false
    if (head.host[i]! > largestHost) largestHost = head.host[i]!
    if (head.level[i]! > largestLevel) largestLevel = head.level[i]!
  }
  const gapCode = !inOrder ? 0 : largestGap < 256 ? 1 : largestGap < 65_536 ? 2 : 3
  const timeWidth = gapCode === 0 ? 4 : 1 << (gapCode - 1)
  const sharedByte = largestHost < SHARED_BYTE_HOSTS && largestLevel < 1 << (8 - LEVEL_SHIFT)
  const widthCode = largestHost < 256 ? 0 : largestHost < 65_536 ? 1 : 2
  const width = 1 << widthCode
  const size = 16 + padded(timeWidth * n) + (identity ? 0 : padded(2 * n)) + (sharedByte ? n : padded(width * n) + n)
  const out = new Uint8Array(size)
  const words = new DataView(out.buffer)
  words.setUint32(0, n, true)
  const flags =
    COMPACT | (identity ? IDENTITY_POSITIONS : 0) | (widthCode << HOST_WIDTH_SHIFT) | (gapCode << GAP_WIDTH_SHIFT) | (sharedByte ? HOST_LEVEL_BYTE : 0)
  words.setUint32(4, flags, true)
  words.setFloat64(8, first, true)
  const times = uintArray(timeWidth, out.buffer, 16, n)
  for (let i = 0; i < n; i++) times[i] = gapCode === 0 ? head.ts[i]! - first : i === 0 ? 0 : head.ts[i]! - head.ts[i - 1]!
  let at = 16 + padded(timeWidth * n)
  if (!identity) {
    new Uint16Array(out.buffer, at, n).set(head.position)
    at += padded(2 * n)
  }
  if (sharedByte) {
    const shared = new Uint8Array(out.buffer, at, n)
    for (let i = 0; i < n; i++) shared[i] = head.host[i]! | (head.level[i]! << LEVEL_SHIFT)
    return out
  }
  uintArray(width, out.buffer, at, n).set(head.host)
  at += padded(width * n)
  out.set(head.level, at)
  return out
}
