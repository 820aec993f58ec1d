import { Database } from "bun:sqlite"
import { mkdirSync } from "node:fs"
import { dirname } from "node:path"
import { PRAGMAS, SCHEMA_VERSIONS } from "./schema.ts"

export interface SqliteStoreConfig {
  /** Database file. */
  readonly path: string
  /** `NORMAL` survives a killed process; `FULL` also survives power loss. */
  readonly synchronous: "NORMAL" | "FULL"
  /** `total` is exact up to this many matches, then reported as a lower bound. */
  readonly countCap: number
  /**
   * A search counts its matches for at most this long, then `total` is a lower bound (its page
   * is always complete); facets tally a sample of at most this long. Absent: no time limit.
   */
  readonly countBudgetMs?: number
  /**
   * Longest a search, context, facet or histogram reads (SEARCH_TIMEOUT_MS): past it the read
   * stops with QueryTimedOut, unless its answer is already complete. Absent: no time limit.
   */
  readonly timeoutMs?: number
  /**
   * Reader threads (SEARCH_READERS) that run the store's reads, and how many reads may wait
   * for one (SEARCH_READER_QUEUE). Absent: reads run on the calling thread.
   */
  readonly readers?: { readonly threads: number; readonly queue: number }
  /** At most this many attribute keys get a column in a block; the others are kept per record (block-attributes.ts). */
  readonly attributeKeysPerBlock?: number
  /** Bytes of search text made from packed messages that searches keep for the next one (search-text-cache.ts); 0 or absent: none. */
  readonly searchTextCacheBytes?: number
}

/** Opens (creating if needed) the store's database with its pragmas and schema. */
export const openDatabase = (config: SqliteStoreConfig): Database => {
  mkdirSync(dirname(config.path), { recursive: true })
  const db = new Database(config.path, { create: true, strict: true })
  for (const pragma of PRAGMAS) db.run(pragma)
  // NORMAL is durable against a killed process (the WAL is written before COMMIT returns);
  // FULL also survives power loss, at a throughput cost.
  db.run(`PRAGMA synchronous = ${config.synchronous === "FULL" ? "FULL" : "NORMAL"}`)
  db.transaction(() => {
    const { user_version: applied } = db.query<{ user_version: number }, []>("PRAGMA user_version").get()!
    SCHEMA_VERSIONS.slice(applied).forEach((statements) => statements.forEach((statement) => db.run(statement)))
    // PRAGMA takes no bound parameters; the value is our own integer.
    db.run(`PRAGMA user_version = ${SCHEMA_VERSIONS.length}`)
  }).immediate()
  return db
}
