import { Database } from "bun:sqlite"
import { expect, test } from "bun:test"
import { readdirSync } from "node:fs"
import { join } from "node:path"
import { makeDataDir, removeDataDir } from "../support/server-process.ts"

const ROOT = join(import.meta.dir, "../..")
const run = (args: string[], dataDir: string, stdin?: string) => {
  const proc = Bun.spawnSync([process.execPath, "run", ...args], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dataDir },
    stdin: stdin === undefined ? "ignore" : Buffer.from(stdin),
    stdout: "pipe",
    stderr: "pipe"
  })
  return { code: proc.exitCode, output: proc.stdout.toString() + proc.stderr.toString() }
}

test("migrate, backup and reset the metadata store from the command line", () => {
  const dataDir = makeDataDir()
  try {
    expect(run(["src/main.ts", "migrate"], dataDir).code).toBe(0)
    const meta = new Database(join(dataDir, "meta.db"))
    meta.run("INSERT INTO system_config (key, value, updated_at) VALUES ('retention_days', '14', '2026-11-30T00:00:00Z')")
    meta.close()

    const backup = run(["scripts/db.ts", "backup", "--out", join(dataDir, "backups")], dataDir)
    expect(backup.code).toBe(0)
    const [snapshot] = readdirSync(join(dataDir, "backups"))
    const copy = new Database(join(dataDir, "backups", snapshot!, "meta.db"), { readonly: true })
    expect(copy.query("SELECT value FROM system_config WHERE key = 'retention_days'").get()).toEqual({ value: "14" })
    copy.close()

    const declined = run(["scripts/db.ts", "reset"], dataDir, "no\n")
    expect(declined.code).toBe(1)
    expect(declined.output).toContain("nothing changed")
    const count = () => {
      const db = new Database(join(dataDir, "meta.db"), { readonly: true })
      const row = db.query("SELECT count(*) AS n FROM system_config").get() as { n: number }
      db.close()
      return row.n
    }
    expect(count()).toBe(1)
    expect(run(["scripts/db.ts", "reset", "--yes"], dataDir).code).toBe(0)
    expect(count()).toBe(0)
  } finally {
    removeDataDir(dataDir)
  }
})
