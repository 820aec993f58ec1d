import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "bun:test"
import { SqliteStoreLive } from "../../src/adapters/log-store/sqlite.ts"
import { logStoreContract } from "./log-store.ts"

const dir = mkdtempSync(join(tmpdir(), "logflow-sqlite-contract-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0

// A file database, as in production (WAL needs a file), fresh for each test.
logStoreContract("SQLite", () => SqliteStoreLive({ path: join(dir, `store-${n++}.db`), synchronous: "NORMAL", countCap: 50 }), 50)
