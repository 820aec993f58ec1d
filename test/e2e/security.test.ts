import { describe, expect, test } from "bun:test"
import { disposeServer, json, startServer, stopServer, useServer } from "../support/server-process.ts"

const ROOT = `${import.meta.dir}/../..`
/** A secret production accepts (random hex, as `openssl rand -hex 32` makes). */
const SECRET_KEY = "9f2c41d07be85a3361e4c0fd9a7b52e8c3d61f0a4b9e27d58c16f3a0e4b7d29c"

describe("brute force", () => {
  const server = useServer()

  test("login is limited to 20 attempts an hour per client: the 21st gets a 429", async () => {
    const attempt = () =>
      fetch(`${server().url}/api/v1/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "username=admin&password=guess"
      })
    for (let i = 1; i <= 20; i++) {
      const response = await attempt()
      expect([i, response.status]).toEqual([i, 401])
      expect(response.headers.get("ratelimit-limit")).toBe("20")
      expect(response.headers.get("ratelimit-remaining")).toBe(String(20 - i))
    }
    const refused = await attempt()
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(3500)
    expect((await json(refused)).error).toBe("Rate limit exceeded: 20 per 1 hour")
    // Even the right password is refused until the window passes.
    const right = await fetch(`${server().url}/api/v1/auth/login`, { method: "POST", body: new URLSearchParams({ username: "admin", password: "admin123" }) })
    expect(right.status).toBe(429)
  })
})

describe("production mode", () => {
  const start = (env: Record<string, string>) => {
    const proc = Bun.spawn([process.execPath, "run", "src/main.ts", "all"], {
      cwd: ROOT,
      env: { ...process.env, API_PORT: "0", LOGFLOW_ENV: "production", ...env },
      stdout: "pipe",
      stderr: "pipe"
    })
    return Promise.all([proc.exited, new Response(proc.stderr).text()])
  }

  test("refuses to start with the default SECRET_KEY, naming it", async () => {
    const [code, stderr] = await start({ ADMIN_PASSWORD: "a-real-admin-password" })
    expect(code).toBe(2)
    expect(stderr).toContain("SECRET_KEY")
    expect(stderr).not.toContain("ADMIN_PASSWORD")
  })

  test("refuses a long SECRET_KEY that is a pattern, not a secret", async () => {
    for (const pattern of ["x".repeat(40), "ab".repeat(20), "0123456789".slice(0, 9).repeat(5)]) {
      const [code, stderr] = await start({ SECRET_KEY: pattern, ADMIN_PASSWORD: "a-real-admin-password" })
      expect([pattern, code]).toEqual([pattern, 2])
      expect(stderr).toContain("SECRET_KEY: too predictable")
    }
  })

  test("a data directory first run in development does not keep the development admin password in production", async () => {
    const development = await startServer()
    await stopServer(development)
    const production = await startServer({
      dataDir: development.dataDir,
      env: { LOGFLOW_ENV: "production", SECRET_KEY, ADMIN_PASSWORD: "a-real-admin-password" }
    })
    try {
      const login = (password: string) =>
        fetch(`${production.url}/api/v1/auth/login`, { method: "POST", body: new URLSearchParams({ username: "admin", password }) }).then((r) => r.status)
      expect(await login("admin123")).toBe(401)
      expect(await login("a-real-admin-password")).toBe(200)
      expect(production.output()).toContain("still had the development password")
    } finally {
      await disposeServer(production)
    }
  })

  test("refuses to start with the default admin password, naming ADMIN_PASSWORD", async () => {
    const [code, stderr] = await start({ SECRET_KEY, ADMIN_PASSWORD: "admin123" })
    expect(code).toBe(2)
    expect(stderr).toContain("ADMIN_PASSWORD")
  })

  test("with its own secrets it starts, and ingest and reads then need credentials", async () => {
    const server = await startServer({ env: { LOGFLOW_ENV: "production", SECRET_KEY, ADMIN_PASSWORD: "a-real-admin-password" } })
    try {
      const ingest = await fetch(`${server.url}/api/v1/logs`, { method: "POST", body: JSON.stringify({ service: "s", message: "m" }) })
      expect(ingest.status).toBe(401)
      expect((await fetch(`${server.url}/api/v1/logs/search`)).status).toBe(401)

      // Self-registration is closed: otherwise anyone could register and then read every log.
      const newUser = JSON.stringify({ username: "walkin", email: "walkin@example.com", password: "long-enough-1" })
      const anonymous = await fetch(`${server.url}/api/v1/auth/register`, { method: "POST", headers: { "content-type": "application/json" }, body: newUser })
      expect(anonymous.status).toBe(403)
      const login = await json(
        fetch(`${server.url}/api/v1/auth/login`, { method: "POST", body: new URLSearchParams({ username: "admin", password: "a-real-admin-password" }) })
      )
      const byAdmin = await fetch(`${server.url}/api/v1/auth/register`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${login.access_token}` },
        body: newUser
      })
      expect(byAdmin.status).toBe(201)
      expect(server.output()).not.toContain("a-real-admin-password")
    } finally {
      await disposeServer(server)
    }
  })
})
