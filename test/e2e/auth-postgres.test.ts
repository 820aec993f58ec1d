import { afterAll } from "bun:test"
import { createTestDatabase, postgresAvailable } from "../support/postgres.ts"
import { authSuite } from "./auth.ts"

let drop: (() => Promise<void>) | undefined
afterAll(async () => drop?.())

if (await postgresAvailable()) {
  authSuite("PostgreSQL", async () => {
    const db = await createTestDatabase()
    drop = db.drop
    return { DATABASE_URL: db.url }
  })
}
