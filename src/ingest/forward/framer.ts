import { type ScanState, scan, startScan } from "./msgpack-scan.ts"

/**
 * Cuts a forward connection's byte stream into messages: one msgpack value after another, with
 * no length in front, so a message ends where a scan of its structure ends (msgpack-scan.ts).
 * The scan resumes where the last read left it, so a message arriving in many reads is scanned
 * once. At most `maxMessageBytes` are held for one message: a larger one is refused as soon as
 * its headers say so, before its bytes arrive.
 */

export class MessageTooLarge extends Error {}

export class ForwardFramer {
  private buffer = new Uint8Array(64 * 1024)
  private length = 0
  private state: ScanState = startScan(0)

  constructor(private readonly maxMessageBytes: number) {}

  /** Whether bytes of an unfinished message are held. */
  get holding(): boolean {
    return this.length > 0
  }

  /** Takes one read; returns the messages it completed (copies, in order). Throws MessageTooLarge, or MalformedMsgpack. */
  push(chunk: Uint8Array): Uint8Array[] {
    this.append(chunk)
    const messages: Uint8Array[] = []
    let start = 0
    for (;;) {
      const complete = start < this.length && scan(this.state, this.buffer, this.length)
      // Whether it arrived whole or is still coming, a message is held to the bound.
      if (this.state.position - start > this.maxMessageBytes || (!complete && this.length - start > this.maxMessageBytes)) {
        throw new MessageTooLarge(`a forward message is larger than ${this.maxMessageBytes} bytes (FLUENT_FORWARD_MAX_MESSAGE_BYTES)`)
      }
      if (!complete) break
      messages.push(this.buffer.slice(start, this.state.position))
      start = this.state.position
      this.state = startScan(start)
    }
    this.buffer.copyWithin(0, start, this.length)
    this.length -= start
    this.state.position -= start
    return messages
  }

  private append(chunk: Uint8Array) {
    const needed = this.length + chunk.byteLength
    if (needed > this.buffer.byteLength) {
      const grown = new Uint8Array(Math.max(needed, this.buffer.byteLength * 2))
      grown.set(this.buffer.subarray(0, this.length))
      this.buffer = grown
    }
    this.buffer.set(chunk, this.length)
    this.length = needed
  }
}
