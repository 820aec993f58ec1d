/**
 * Where msgpack values end, without decoding them: the framing of a forward connection (which
 * sends one msgpack value after another, with no length in front) and the splitting of an
 * event stream into entries, so that one bad entry is that entry's problem. A value is a
 * header, a payload of known length (strings, binaries, extensions, numbers) and a number of
 * child values (arrays: n, maps: 2n), so skipping one needs only a position and a count of
 * values still to skip, which makes the scan resumable across reads and linear in the bytes.
 */

/** One header: its length plus its payload's, and how many child values follow it. */
interface Header {
  readonly size: number
  readonly children: number
}

const fixed = (size: number): Header => ({ size, children: 0 })

/** The header at `at`, or undefined when its bytes have not all arrived; throws on the one byte msgpack never uses. */
const headerAt = (bytes: Uint8Array, at: number, end: number): Header | undefined => {
  const b = bytes[at]!
  if (b <= 0x7f || b >= 0xe0) return fixed(1)
  if (b <= 0x8f) return { size: 1, children: 2 * (b & 0x0f) }
  if (b <= 0x9f) return { size: 1, children: b & 0x0f }
  if (b <= 0xbf) return fixed(1 + (b & 0x1f))
  const need = (n: number) => at + n <= end
  const u8 = () => bytes[at + 1]!
  const u16 = () => (bytes[at + 1]! << 8) | bytes[at + 2]!
  const u32 = () => ((bytes[at + 1]! << 24) >>> 0) + (bytes[at + 2]! << 16) + (bytes[at + 3]! << 8) + bytes[at + 4]!
  switch (b) {
    case 0xc0:
    case 0xc2:
    case 0xc3:
      return fixed(1)
    case 0xc4:
    case 0xd9:
      return need(2) ? fixed(2 + u8()) : undefined
    case 0xc5:
    case 0xda:
      return need(3) ? fixed(3 + u16()) : undefined
    case 0xc6:
    case 0xdb:
      return need(5) ? fixed(5 + u32()) : undefined
    case 0xc7:
      return need(2) ? fixed(3 + u8()) : undefined
    case 0xc8:
      return need(3) ? fixed(4 + u16()) : undefined
    case 0xc9:
      return need(5) ? fixed(6 + u32()) : undefined
    case 0xca:
    case 0xce:
    case 0xd2:
      return fixed(5)
    case 0xcb:
    case 0xcf:
    case 0xd3:
      return fixed(9)
    case 0xcc:
    case 0xd0:
      return fixed(2)
    case 0xcd:
    case 0xd1:
      return fixed(3)
    case 0xd4:
      return fixed(3)
    case 0xd5:
      return fixed(4)
    case 0xd6:
      return fixed(6)
    case 0xd7:
      return fixed(10)
    case 0xd8:
      return fixed(18)
    case 0xdc:
      return need(3) ? { size: 3, children: u16() } : undefined
    case 0xdd:
      return need(5) ? { size: 5, children: u32() } : undefined
    case 0xde:
      return need(3) ? { size: 3, children: 2 * u16() } : undefined
    case 0xdf:
      return need(5) ? { size: 5, children: 2 * u32() } : undefined
    default:
      throw new MalformedMsgpack(`byte 0x${b.toString(16)} at ${at} starts no msgpack value`)
  }
}

export class MalformedMsgpack extends Error {}

/** A scan in progress: where it is, and how many values it still has to skip. */
export interface ScanState {
  position: number
  pending: number
}

/** A scan of one value starting at `at`. */
export const startScan = (at: number): ScanState => ({ position: at, pending: 1 })

/**
 * Advances `state` over `bytes[..end)`. Returns true when the value is complete (it ends at
 * `state.position`), false when more bytes are needed (the state resumes from where it was).
 */
export const scan = (state: ScanState, bytes: Uint8Array, end: number): boolean => {
  while (state.pending > 0) {
    if (state.position >= end) return false
    const header = headerAt(bytes, state.position, end)
    if (header === undefined) return false
    state.position += header.size
    state.pending += header.children - 1
  }
  return state.position <= end
}

/** Where the value starting at `at` ends, in a buffer that holds it all; throws when it is cut short. */
export const valueEnd = (bytes: Uint8Array, at: number, end = bytes.byteLength): number => {
  const state = startScan(at)
  if (!scan(state, bytes, end)) throw new MalformedMsgpack(`the msgpack value at ${at} is cut short`)
  return state.position
}

/** The length of an array header at `at` and where its first element starts; undefined when `at` holds no array. */
export const arrayAt = (bytes: Uint8Array, at: number): { readonly length: number; readonly first: number } | undefined => {
  const b = bytes[at]
  if (b === undefined || (!(b >= 0x90 && b <= 0x9f) && b !== 0xdc && b !== 0xdd)) return undefined
  const header = headerAt(bytes, at, bytes.byteLength)
  return header === undefined ? undefined : { length: header.children, first: at + header.size }
}

/** The payload of a str or bin value at `at` (a PackedForward event stream), or undefined for other types. */
export const rawBytesAt = (bytes: Uint8Array, at: number): Uint8Array | undefined => {
  const b = bytes[at]
  if (b === undefined) return undefined
  const isStr = (b >= 0xa0 && b <= 0xbf) || b === 0xd9 || b === 0xda || b === 0xdb
  const isBin = b === 0xc4 || b === 0xc5 || b === 0xc6
  if (!isStr && !isBin) return undefined
  const header = headerAt(bytes, at, bytes.byteLength)!
  const prefix = b >= 0xa0 && b <= 0xbf ? 1 : b === 0xc4 || b === 0xd9 ? 2 : b === 0xc5 || b === 0xda ? 3 : 5
  return bytes.subarray(at + prefix, at + header.size)
}
