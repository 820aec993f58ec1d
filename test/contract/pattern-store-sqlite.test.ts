import { freshSqliteMetaUrl } from "../support/pattern-store.ts"
import { patternStoreContract } from "./pattern-store.ts"

patternStoreContract("SQLite", async () => freshSqliteMetaUrl())
