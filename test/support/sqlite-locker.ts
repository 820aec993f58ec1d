import { Database } from "bun:sqlite"

/**
 * Holds the write lock of a SQLite database until killed, as a backup tool or a stuck
 * maintenance job would: `bun test/support/sqlite-locker.ts <path>`. Prints `locked` once held.
 */
const db = new Database(process.argv[2]!)
db.run("PRAGMA busy_timeout = 10000")
db.run("BEGIN IMMEDIATE")
// A write inside the transaction, so the lock is held whatever the journal mode.
db.run("CREATE TABLE IF NOT EXISTS maintenance_lock (held_at TEXT)")
db.run("INSERT INTO maintenance_lock VALUES (datetime('now'))")
console.log("locked")
// Referenced from the timer so the connection (and its lock) is never garbage-collected.
setInterval(() => db.inTransaction, 1_000)
