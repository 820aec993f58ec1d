/**
 * What may be committed on one partition: deliveries are handed to the pipeline in offset
 * order and settle (stored or not) in any order; the commit point is just past the longest run
 * of stored deliveries from the start. A failed delivery stops the run there, so nothing after
 * it is committed before it is stored again (the consumer seeks back to it).
 */
export class PartitionOffsets {
  private pending: Array<{ readonly first: string; readonly next: string; stored: boolean }> = []
  /** The offset to commit (the next one to read), once it moved past `committed`. */
  commitPoint: string | undefined
  committed: string | undefined
  /** Bumped when the consumer seeks back; settlements of older deliveries are then ignored. */
  generation = 0

  /** Registers a delivery of offsets [first, last]; returns its handle. */
  add(first: string, last: string) {
    const entry = { first, next: (BigInt(last) + 1n).toString(), stored: false }
    this.pending.push(entry)
    return { entry, generation: this.generation }
  }

  stored(handle: ReturnType<PartitionOffsets["add"]>) {
    if (handle.generation !== this.generation) return
    handle.entry.stored = true
    while (this.pending[0]?.stored) this.commitPoint = this.pending.shift()!.next
  }

  /** The delivery was not stored: forget it and what came after; returns where to read again. */
  failed(handle: ReturnType<PartitionOffsets["add"]>): string | undefined {
    if (handle.generation !== this.generation) return undefined
    this.generation++
    const at = this.pending.indexOf(handle.entry)
    this.pending = at === -1 ? this.pending : this.pending.slice(0, at)
    return handle.entry.first
  }

  /** The offset to commit now, if any. */
  due(): string | undefined {
    return this.commitPoint !== undefined && this.commitPoint !== this.committed ? this.commitPoint : undefined
  }
}
