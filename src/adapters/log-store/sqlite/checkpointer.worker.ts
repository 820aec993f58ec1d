/// <reference lib="webworker" />
import { Database } from "bun:sqlite"

/**
 * The SQLite checkpointer thread: copies the write-ahead log back into the database file every
 * `intervalMs`, so that the writer's commits do not stop for a checkpoint (the copy and its
 * fsync took about a fifth of the writer's time). PASSIVE never blocks the writer or readers;
 * what it cannot copy yet, it copies next time. The writer still checkpoints by itself should
 * the log grow past its own, larger threshold (open.ts).
 */
declare const self: Worker

self.onmessage = (event: MessageEvent<{ readonly path: string; readonly intervalMs: number }>) => {
  const db = new Database(event.data.path, { strict: true })
  db.run("PRAGMA busy_timeout = 5000")
  setInterval(() => {
    try {
      db.run("PRAGMA wal_checkpoint(PASSIVE)")
    } catch {
      // Busy or briefly unavailable: the next round, or the writer's own threshold, catches up.
    }
  }, event.data.intervalMs)
}
