import { afterAll } from "bun:test"
import { createTestDatabase, postgresAvailable } from "../support/postgres.ts"
import { patternStoreContract } from "./pattern-store.ts"

const drops: Array<() => Promise<void>> = []
afterAll(async () => {
  for (const drop of drops) await drop()
})

if (await postgresAvailable()) {
  patternStoreContract("PostgreSQL", async () => {
    const db = await createTestDatabase()
    drops.push(db.drop)
    return db.url
  })
}
