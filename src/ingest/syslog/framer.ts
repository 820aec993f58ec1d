/**
 * Splits a syslog TCP byte stream into messages (RFC 6587). A frame that starts with digits and
 * a space is octet-counted (`<len> <msg>`); anything else ends at LF, at the start of another
 * syslog header (`<PRI>` and a date: senders such as log4j2's Syslog appender write no LF by
 * default), or when the connection closes (`end`), so a last message without LF is kept.
 *
 * What one sender can make it hold is bounded: a message longer than `maxBytes` is cut there and
 * flagged `truncated`, and the rest of it is skipped as it arrives; so the framer never holds more
 * than `maxBytes` plus an octet count's header between two reads.
 */

export interface Frame {
  readonly text: string
  /** The sender's message was longer than `maxBytes` (or ended inside its octet count) and was cut. */
  readonly truncated: boolean
}

const LF = 0x0a
const LT = 0x3c
/** A syslog header: `<PRI>`, then an RFC 5424 version and date, or an RFC 3164 date. */
const HEADER = /^<\d{1,3}>(?:\d{1,2} \d{4}-\d\d-\d\dT|[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d )/
const HEADER_PROBE_BYTES = 32
/** An octet count's header: up to 10 digits and a space. */
const MAX_COUNT_HEADER = 11

const isDigit = (byte: number) => byte >= 0x30 && byte <= 0x39

/** The longest prefix of `bytes` no longer than `max` that does not end inside a UTF-8 character. */
export const cutAt = <B extends Uint8Array>(bytes: B, max: number): B => {
  let end = Math.min(max, bytes.length)
  if (end < bytes.length) while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--
  return bytes.subarray(0, end) as B
}

export class SyslogFramer {
  private buffer: Buffer = Buffer.alloc(0)
  /** Bytes still to skip from an oversize octet-counted frame. */
  private skipBytes = 0
  /** Skipping the rest of an oversize LF-framed message, up to its LF or the next header. */
  private skipLine = false
  /** How much of the buffer's unfinished line was already searched for its end (so a line arriving byte by byte is searched once). */
  private searched = 0
  private readonly decoder = new TextDecoder()

  constructor(private readonly maxBytes: number) {}

  /** Bytes held between reads (never more than `maxBytes` plus an octet count's header). */
  get held(): number {
    return this.buffer.length
  }

  push(chunk: Uint8Array): Frame[] {
    let data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    if (this.skipBytes > 0) {
      const skipped = Math.min(this.skipBytes, data.length)
      this.skipBytes -= skipped
      data = data.subarray(skipped)
    }
    if (this.skipLine) data = this.skipRestOfLine(data)
    this.buffer = this.buffer.length === 0 ? Buffer.from(data) : Buffer.concat([this.buffer, data])
    const frames: Frame[] = []
    while (this.buffer.length > 0 && !this.skipLine) {
      const frame = isDigit(this.buffer[0]!) ? this.octetCounted() : this.lineFramed()
      if (frame === "incomplete") break
      if (frame !== undefined && frame.text.trim() !== "") frames.push(frame)
    }
    // Keep our own copy, so a large chunk's memory is not pinned by a small remainder.
    this.buffer = Buffer.from(this.buffer)
    return frames
  }

  /** The connection closed: what is left is its last message (cut short if its octet count said more). */
  end(): Frame[] {
    const rest = this.buffer
    this.buffer = Buffer.alloc(0)
    this.searched = 0
    if (this.skipLine || rest.length === 0) return []
    const counted = /^(\d{1,10}) /.exec(rest.subarray(0, MAX_COUNT_HEADER).toString("latin1"))
    const frame = counted
      ? { text: this.decoder.decode(rest.subarray(counted[0].length)), truncated: true }
      : { text: this.decoder.decode(rest), truncated: false }
    return frame.text.trim() === "" ? [] : [frame]
  }

  /** An octet-counted frame, "incomplete" until all of it (up to `maxBytes`) is here; LF framing if the digits are no count. */
  private octetCounted(): Frame | "incomplete" | undefined {
    const buf = this.buffer
    const space = buf.subarray(0, MAX_COUNT_HEADER).indexOf(0x20)
    const digits = buf.subarray(0, space === -1 ? MAX_COUNT_HEADER : space).toString("latin1")
    if (!/^\d{1,10}$/.test(digits)) return this.lineFramed()
    if (space === -1) return buf.length < MAX_COUNT_HEADER ? "incomplete" : this.lineFramed()
    const length = Number(digits)
    const start = space + 1
    const take = Math.min(length, this.maxBytes)
    if (buf.length - start < take) return "incomplete"
    const body = cutAt(buf.subarray(start), take)
    const consumed = Math.min(buf.length, start + length)
    this.skipBytes = start + length - consumed
    this.searched = 0
    this.buffer = buf.subarray(consumed)
    return { text: this.decoder.decode(body), truncated: length > this.maxBytes }
  }

  /** A message ending at LF or where the next header starts; cut at `maxBytes` (the rest skipped). */
  private lineFramed(): Frame | "incomplete" | undefined {
    const buf = this.buffer
    const limit = Math.min(buf.length, this.maxBytes + 1)
    const found = buf.subarray(this.searched, limit).indexOf(LF)
    const newline = found === -1 ? -1 : this.searched + found
    // A header may have begun just before where the last search stopped.
    const end = nextHeader(buf, Math.max(1, this.searched - HEADER_PROBE_BYTES), newline === -1 ? limit : newline)
    if (end !== -1 || newline !== -1) {
      this.searched = 0
      this.buffer = buf.subarray(end !== -1 ? end : newline + 1)
      return { text: this.decoder.decode(buf.subarray(0, end !== -1 ? end : newline)), truncated: false }
    }
    if (buf.length <= this.maxBytes) {
      this.searched = buf.length
      return "incomplete"
    }
    this.searched = 0
    this.skipLine = true
    this.buffer = this.skipRestOfLine(buf.subarray(this.maxBytes))
    return { text: this.decoder.decode(cutAt(buf, this.maxBytes)), truncated: true }
  }

  /** Drops bytes of an oversize message up to its LF (dropped too) or the next header (kept). */
  private skipRestOfLine(data: Buffer): Buffer {
    const newline = data.indexOf(LF)
    const header = nextHeader(data, 0, newline === -1 ? data.length : newline)
    if (header !== -1) {
      this.skipLine = false
      return data.subarray(header)
    }
    if (newline !== -1) {
      this.skipLine = false
      return data.subarray(newline + 1)
    }
    return Buffer.alloc(0)
  }
}

/** Where a syslog header starts in `buf[from, before)`, or -1. */
const nextHeader = (buf: Buffer, from: number, before: number): number => {
  for (let at = buf.indexOf(LT, from); at !== -1 && at < before; at = buf.indexOf(LT, at + 1)) {
    if (HEADER.test(buf.subarray(at, at + HEADER_PROBE_BYTES).toString("latin1"))) return at
  }
  return -1
}
