import { SQL } from "bun"
import { inCI } from "./ci.ts"

/**
 * A fresh PostgreSQL database per test file on the local server (127.0.0.1:5432, trust auth).
 * In CI a missing server fails the tests; on a developer machine they are skipped with a
 * printed reason.
 */
export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres"

export const postgresAvailable = async (): Promise<boolean> => {
  const sql = new SQL(POSTGRES_ADMIN_URL, { connectionTimeout: 3, max: 1 })
  try {
    await sql`SELECT 1`
    return true
  } catch (e) {
    if (inCI()) throw new Error(`PostgreSQL is required in CI but unreachable at ${POSTGRES_ADMIN_URL}: ${(e as Error).message}`)
    console.warn(`skipping PostgreSQL tests: ${POSTGRES_ADMIN_URL} unreachable (${(e as Error).message})`)
    return false
  } finally {
    await sql.close()
  }
}

/** Creates an empty database and returns its URL and a function that drops it. */
export const createTestDatabase = async () => {
  const name = `logflow_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
  const admin = new SQL(POSTGRES_ADMIN_URL, { max: 1 })
  await admin.unsafe(`CREATE DATABASE ${name}`)
  await admin.close()
  const parsed = new URL(POSTGRES_ADMIN_URL)
  parsed.pathname = `/${name}`
  const url = parsed.toString()
  return {
    url,
    drop: async () => {
      const sql = new SQL(POSTGRES_ADMIN_URL, { max: 1 })
      await sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await sql.close()
    }
  }
}
