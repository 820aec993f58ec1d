import { mkdirSync } from "node:fs"
import { join, resolve } from "node:path"
import { Database } from "bun:sqlite"
import { dialectOf, migrate, openMetaSql, redactUrl } from "../src/adapters/meta-store/sql-database.ts"
import { MIGRATIONS } from "../src/adapters/meta-store/migrations.ts"
import { ConfigError, loadConfig } from "../src/config.ts"

/**
 * `bun run db backup [--out DIR]`: a consistent copy of the metadata store (SQLite: VACUUM INTO,
 * which reads one snapshot while LogFlow keeps running; PostgreSQL: pg_dump) and, on the
 * embedded store, of the log store too.
 * `bun run db reset [--yes]`: drops and recreates the metadata store's tables (users, alert
 * rules, triggered alerts, configuration, API keys, log patterns) after asking; the admin account is created
 * again at the next start. Logs are not touched.
 */

const USAGE = "usage: bun run db backup [--out DIR] | bun run db reset [--yes]"

const backupSqlite = (source: string, target: string) => {
  const db = new Database(source, { readonly: true })
  try {
    db.query("VACUUM INTO ?").run(target)
  } finally {
    db.close()
  }
}

const backup = async (outDir: string) => {
  const config = loadConfig()
  const dir = resolve(outDir, new Date().toISOString().replace(/[:.]/g, "-"))
  mkdirSync(dir, { recursive: true })
  const url = config.metaDatabaseUrl
  if (dialectOf(url) === "sqlite") {
    backupSqlite(url.slice("sqlite://".length), join(dir, "meta.db"))
  } else {
    const target = join(dir, "meta.pgdump")
    const dump = Bun.spawnSync(["pg_dump", "--format=custom", `--file=${target}`, `--dbname=${url}`], { stderr: "pipe" })
    if (dump.exitCode !== 0) throw new Error(`pg_dump failed (is it installed?): ${dump.stderr.toString().trim()}`)
  }
  if (await Bun.file(config.storePath).exists()) backupSqlite(config.storePath, join(dir, "logs.db"))
  console.log(`backup of ${redactUrl(url)} written to ${dir}`)
}

const reset = async (confirmed: boolean) => {
  const config = loadConfig()
  const url = config.metaDatabaseUrl
  if (!confirmed) {
    const answer = prompt(
      `This deletes every user, alert rule, triggered alert, setting, API key and log pattern in ${redactUrl(url)}. Type 'reset' to continue:`
    )
    if (answer !== "reset") {
      console.error("not confirmed; nothing changed")
      return 1
    }
  }
  const sql = openMetaSql(url)
  try {
    // Children first, for the foreign keys. Table names are constants, not input.
    for (const table of [
      "log_pattern_minutes",
      "log_patterns",
      "notification_attempts",
      "leader_leases",
      "triggered_alerts",
      "alert_rules",
      "api_keys",
      "system_config",
      "users",
      "schema_migrations"
    ]) {
      await sql.unsafe(`DROP TABLE IF EXISTS ${table}`)
    }
    const applied = await migrate(sql, dialectOf(url))
    console.log(`metadata store reset to schema version ${applied.at(-1) ?? MIGRATIONS.at(-1)!.version}; the admin account is recreated at the next start`)
  } finally {
    await sql.close()
  }
  return 0
}

const [command, ...args] = process.argv.slice(2)
try {
  if (command === "backup") {
    const out = args.indexOf("--out")
    await backup(out >= 0 && args[out + 1] ? args[out + 1]! : "./backups")
  } else if (command === "reset") {
    process.exitCode = await reset(args.includes("--yes"))
  } else {
    console.error(USAGE)
    process.exitCode = 2
  }
} catch (e) {
  console.error(e instanceof ConfigError ? e.message : `db ${command} failed: ${(e as Error).message}`)
  process.exitCode = 1
}
