import { Database } from "bun:sqlite"
import { mkdirSync } from "node:fs"
import { dirname } from "node:path"
import { PRAGMAS, SCHEMA } from "./sqlite-schema.ts"

export interface SqliteStoreConfig {
  /** Database file. */
  readonly path: string
  /** `NORMAL` survives a killed process; `FULL` also survives power loss. */
  readonly synchronous: "NORMAL" | "FULL"
  /** `total` is exact up to this many matches, then reported as a lower bound. */
  readonly countCap: number
}

/** Opens (creating if needed) the store's database with its pragmas and schema. */
export const openDatabase = (config: SqliteStoreConfig): Database => {
  mkdirSync(dirname(config.path), { recursive: true })
  const db = new Database(config.path, { create: true, strict: true })
  for (const pragma of PRAGMAS) db.run(pragma)
  db.run(`PRAGMA synchronous = ${config.synchronous === "FULL" ? "FULL" : "NORMAL"}`)
  db.transaction(() => SCHEMA.forEach((statement) => db.run(statement)))()
  return db
}
