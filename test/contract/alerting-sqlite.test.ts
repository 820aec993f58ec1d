import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "bun:test"
import { alertingContract } from "./alerting.ts"

const dir = mkdtempSync(join(tmpdir(), "logflow-alerting-meta-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0

alertingContract("SQLite metadata", async () => `sqlite://${join(dir, `meta-${n++}.db`)}`)
