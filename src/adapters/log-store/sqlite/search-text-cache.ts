import type { SearchText } from "./block-pack.ts"

/**
 * The search texts that packed blocks make when read (block-pack.ts: decompressed and
 * lower-cased), kept for the next search up to a bound in bytes, least recently used out
 * first. Keyed by block and record count: retention rewrites a block under its number with
 * fewer records, so a rewritten block is never answered from before.
 */
export class SearchTextCache {
  private readonly entries = new Map<string, SearchText>()
  private bytes = 0

  constructor(private readonly maxBytes: number) {}

  get(block: number, count: number, make: () => SearchText): SearchText {
    const key = `${block}:${count}`
    const hit = this.entries.get(key)
    if (hit) {
      this.entries.delete(key)
      this.entries.set(key, hit)
      return hit
    }
    const made = make()
    const size = made.bytes.byteLength + made.ends.byteLength
    if (size > this.maxBytes) return made
    this.entries.set(key, made)
    this.bytes += size
    for (const [oldest, text] of this.entries) {
      if (this.bytes <= this.maxBytes) break
      this.entries.delete(oldest)
      this.bytes -= text.bytes.byteLength + text.ends.byteLength
    }
    return made
  }
}
