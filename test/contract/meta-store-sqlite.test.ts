import { afterAll } from "bun:test"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { metaStoreContract } from "./meta-store.ts"

const dir = mkdtempSync(join(tmpdir(), "logflow-meta-sqlite-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0

metaStoreContract("SQLite", async () => `sqlite://${join(dir, `meta-${n++}.db`)}`)
