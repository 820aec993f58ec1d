import { describe, expect, test } from "bun:test"
import { disposeServer, json, startServer } from "../support/server-process.ts"

const DAY = 86_400_000

describe("data lifecycle", () => {
  test("retention deletes expired logs, honours per-service overrides, and takes changes at once", async () => {
    const server = await startServer({
      env: {
        ADMIN_PASSWORD: "admin-password-1",
        RETENTION_INTERVAL_MS: "1000",
        RETENTION_DAYS: "7",
        // The test polls the search until retention has run; on a loaded machine that can take
        // more than the default 50 searches a minute.
        RATE_LIMIT_SEARCH: "1000/minute"
      }
    })
    try {
      const login = await json(
        fetch(`${server.url}/api/v1/auth/login`, { method: "POST", body: new URLSearchParams({ username: "admin", password: "admin-password-1" }) })
      )
      const admin = { authorization: `Bearer ${login.access_token}`, "content-type": "application/json" }
      const put = (body: unknown) => fetch(`${server.url}/api/v1/admin/config`, { method: "PUT", headers: admin, body: JSON.stringify(body) })
      expect((await put({ retention_by_service: { billing: 30 } })).status).toBe(200)

      const tenDaysAgo = new Date(Date.now() - 10 * DAY).toISOString()
      const records = [
        { service: "api", message: "old api line", timestamp: tenDaysAgo },
        { service: "billing", message: "old billing line", timestamp: tenDaysAgo },
        { service: "api", message: "new api line" }
      ]
      expect((await fetch(`${server.url}/api/v1/logs`, { method: "POST", body: JSON.stringify(records) })).status).toBe(200)
      const messages = async () => {
        const response = await fetch(`${server.url}/api/v1/logs/search?limit=10`)
        expect(response.status).toBe(200)
        return (await json(response)).logs.map((l: { message: string }) => l.message).sort()
      }
      const waitFor = async (expected: string[]) => {
        for (let i = 0; i < 100 && JSON.stringify(await messages()) !== JSON.stringify(expected); i++) await Bun.sleep(100)
        expect(await messages()).toEqual(expected)
      }
      await waitFor(["new api line", "old billing line"])

      const changed = await json(put({ retention_by_service: { billing: 5 } }))
      expect(changed).toMatchObject({ retention_days: 7, retention_by_service: { billing: 5 } })
      await waitFor(["new api line"])

      expect((await fetch(`${server.url}/api/v1/admin/config`)).status).toBe(401)
      expect((await put({ retention_days: 0 })).status).toBe(400)
    } finally {
      await disposeServer(server)
    }
  })

  test("ingest answers 507 before the disk is full, and stores nothing", async () => {
    // More free space required than any test machine has.
    const server = await startServer({ env: { DISK_MIN_FREE_MB: "10000000" } })
    try {
      const response = await fetch(`${server.url}/api/v1/logs`, { method: "POST", body: JSON.stringify({ service: "s", message: "m" }) })
      expect(response.status).toBe(507)
      expect(response.headers.get("retry-after")).toBe("60")
      expect((await json(response)).error).toBe("insufficient_storage")
      expect((await json(fetch(`${server.url}/api/v1/logs/search`))).total).toBe(0)
    } finally {
      await disposeServer(server)
    }
  })
})
