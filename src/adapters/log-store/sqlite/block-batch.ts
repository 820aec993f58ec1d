import type { LogRecord } from "../../../domain/log-record.ts"
import { BLOCK_CAPACITY, encodeColumns, type BlockColumns } from "./block-codec.ts"

/** Records in time order; stable, so records of one time keep their arrival order. Already ordered records are not copied. */
export const byTime = (records: ReadonlyArray<LogRecord>): ReadonlyArray<LogRecord> => {
  for (let i = 1; i < records.length; i++) {
    if (records[i]!.timestamp < records[i - 1]!.timestamp) return [...records].sort((x, y) => x.timestamp - y.timestamp)
  }
  return records
}

/**
 * A batch as the columns of its blocks, built on the main thread: one service per block, in
 * time order (stable: arrival order among equal times), at most BLOCK_CAPACITY records each.
 * Repeated ids are left to the writer, which has the time to look for them.
 */
export const batchColumns = (batch: ReadonlyArray<LogRecord>, keysPerBlock?: number): BlockColumns[] => {
  const byService = new Map<string, LogRecord[]>()
  for (const r of batch) {
    let group = byService.get(r.service)
    if (!group) byService.set(r.service, (group = []))
    group.push(r)
  }
  const blocks: BlockColumns[] = []
  for (const group of byService.values()) {
    const sorted = byTime(group)
    for (let i = 0; i < sorted.length; i += BLOCK_CAPACITY) blocks.push(encodeColumns(sorted.slice(i, i + BLOCK_CAPACITY), undefined, keysPerBlock))
  }
  return blocks
}
