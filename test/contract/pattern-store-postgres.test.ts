import { afterAll } from "bun:test"
import { createTestDatabase, postgresAvailable } from "../support/postgres.ts"
import { patternStoreContract } from "./pattern-store.ts"

const drops: Array<() => Promise<void>> = []
// Dropping a database waits for its connections to end, which takes a while on a busy machine.
afterAll(async () => {
  await Promise.all(drops.map((drop) => drop()))
}, 30_000)

if (await postgresAvailable()) {
  patternStoreContract("PostgreSQL", async () => {
    const db = await createTestDatabase()
    drops.push(db.drop)
    return db.url
  })
}
