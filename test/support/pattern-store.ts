import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Layer } from "effect"
import { PatternStoreLive } from "../../src/adapters/meta-store/pattern-store.ts"
import { MetaDatabaseLive } from "../../src/adapters/meta-store/sql-database.ts"

/** A fresh SQLite metadata store in a temporary directory (removed with the machine's temp files). */
export const freshSqliteMetaUrl = () => `sqlite://${join(mkdtempSync(join(tmpdir(), "logflow-patterns-")), "meta.db")}`

/** The pattern store on the metadata store at `url`, with that database (its scope closes it). */
export const patternStoreLayer = (url: string) => PatternStoreLive.pipe(Layer.provideMerge(MetaDatabaseLive(url)))
