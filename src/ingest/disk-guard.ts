import { Data } from "effect"
import { statfsSync } from "node:fs"

/** Ingest refuses new records before the disk is full, instead of letting SQLite fail mid-write. */
export class InsufficientStorage extends Data.TaggedError("InsufficientStorage")<{ readonly message: string }> {
  readonly status = 507
  readonly code = "insufficient_storage"
  readonly retryAfterSeconds = 60
}

/** A check of free space in `dir`, read from the file system at most every 2 s. */
export const makeDiskGuard = (dir: string, minFreeBytes: number) => {
  let checkedAt = 0
  let free = Number.POSITIVE_INFINITY
  return () => {
    const now = Date.now()
    if (now - checkedAt > 2_000) {
      checkedAt = now
      try {
        const stats = statfsSync(dir)
        free = stats.bavail * stats.bsize
      } catch {
        free = Number.POSITIVE_INFINITY // an unreadable statfs must not stop ingest
      }
    }
    if (free < minFreeBytes) {
      throw new InsufficientStorage({
        message: `only ${Math.floor(free / 1048576)} MiB free in the data directory (minimum ${Math.floor(minFreeBytes / 1048576)} MiB); ingest resumes when space is freed`
      })
    }
  }
}
