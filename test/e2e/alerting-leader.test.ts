import { afterAll, expect, test } from "bun:test"
import { createTestDatabase, postgresAvailable } from "../support/postgres.ts"
import { disposeServer, json, type ServerProcess, startServer, stopServer } from "../support/server-process.ts"

/**
 * Several processes run the alert engine against one PostgreSQL metadata database: exactly
 * one is the leader and evaluates; when it stops, another takes over.
 */

const drops: Array<() => Promise<void>> = []
afterAll(async () => {
  for (const drop of drops) await drop()
})

const leaderOf = async (server: ServerProcess) => (await json(fetch(`${server.url}/health`))).details.alerting.leader as boolean

const until = async (check: () => Promise<boolean>, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs
  while (!(await check()) && Date.now() < deadline) await Bun.sleep(100)
  return check()
}

if (await postgresAvailable()) {
  test("one leader among alerting processes; a standby takes over when it stops", async () => {
    const db = await createTestDatabase()
    drops.push(db.drop)
    const env = { DATABASE_URL: db.url, ADMIN_PASSWORD: "admin-password-1", ALERT_SYNC_INTERVAL_MS: "200", ALERT_LEADER_LEASE_MS: "2000" }
    const a = await startServer({ env })
    const b = await startServer({ env })
    try {
      expect(await until(async () => (await leaderOf(a)) !== (await leaderOf(b)))).toBe(true)
      // Stay stable: renewals keep the same leader.
      await Bun.sleep(1_000)
      const [leader, standby] = (await leaderOf(a)) ? [a, b] : [b, a]
      expect(await leaderOf(leader)).toBe(true)
      expect(await leaderOf(standby)).toBe(false)

      await stopServer(leader)
      expect(await until(() => leaderOf(standby))).toBe(true)
    } finally {
      await disposeServer(a)
      await disposeServer(b)
    }
  })
}
