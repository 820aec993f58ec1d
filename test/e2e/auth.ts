import { describe, expect, test } from "bun:test"
import { decodePayload, signHs256, unsignedToken } from "../support/jwt.ts"
import { json, useServer } from "../support/server-process.ts"

/**
 * The accounts API and its security properties, against the real server process. Run once per
 * metadata engine; `databaseEnv` points the server at it.
 */
export const SECRET = "test-secret-key-that-is-long-enough-0123456789"

export const authSuite = (engine: string, databaseEnv: () => Promise<Record<string, string>>) =>
  describe(`accounts API on ${engine}`, () => {
    const server = useServer(async () => ({
      env: {
        ...(await databaseEnv()),
        SECRET_KEY: SECRET,
        ADMIN_PASSWORD: "admin-password-1",
        REQUIRE_AUTH_FOR_INGEST: "true",
        REQUIRE_AUTH_FOR_READ: "true",
        RATE_LIMIT_LOGIN: "1000/hour",
        RATE_LIMIT_REGISTER: "1000/hour"
      }
    }))

    const call = (method: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) =>
      fetch(`${server().url}${path}`, {
        method,
        headers: {
          ...(options.body !== undefined ? { "content-type": "application/json" } : {}),
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...options.headers
        },
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {})
      })
    const register = (username: string, extra: Record<string, unknown> = {}) =>
      call("POST", "/api/v1/auth/register", { body: { username, email: `${username}@example.com`, password: "secure-pass-1", full_name: username, ...extra } })
    const login = async (username: string, password = "secure-pass-1") => {
      const response = await fetch(`${server().url}/api/v1/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ username, password })
      })
      expect(response.status).toBe(200)
      return (await json(response)).access_token as string
    }

    test("register, log in (OAuth2 form and JSON), and read your profile without secrets", async () => {
      const created = await register("alice")
      expect(created.status).toBe(201)
      const alice = await json(created)
      expect(alice).toMatchObject({ username: "alice", email: "alice@example.com", is_admin: false })
      expect(JSON.stringify(alice)).not.toMatch(/password|hash/)

      const viaJson = await json(call("POST", "/api/v1/auth/login", { body: { username: "alice", password: "secure-pass-1" } }))
      expect(viaJson).toMatchObject({ token_type: "bearer", expires_in: 30 * 60 })
      const token = await login("alice")
      const me = await json(call("GET", "/api/v1/auth/me", { token }))
      expect(me.username).toBe("alice")
      expect(JSON.stringify(me)).not.toMatch(/password|hash/)
    })

    test.each([
      [{ username: "x" }, "username"],
      [{ email: "not-an-email" }, "email"],
      [{ password: "short" }, "password"]
    ])("registration with %p is a 400 naming %p", async (override, field) => {
      const response = await call("POST", "/api/v1/auth/register", {
        body: { username: "valid_name", email: "valid@example.com", password: "long-enough-1", ...override }
      })
      expect(response.status).toBe(400)
      expect((await json(response)).message.startsWith(`${field}:`)).toBe(true)
    })

    test("a taken username or email is a 409", async () => {
      expect((await register("carol")).status).toBe(201)
      expect((await register("carol", { email: "other@example.com" })).status).toBe(409)
      const byEmail = await call("POST", "/api/v1/auth/register", { body: { username: "carol2", email: "CAROL@example.com", password: "secure-pass-1" } })
      expect(byEmail.status).toBe(409)
      expect((await json(byEmail)).message).toContain("email")
    })

    test("wrong credentials are a 401 with WWW-Authenticate, and say nothing about which part was wrong", async () => {
      const wrongPassword = await call("POST", "/api/v1/auth/login", { body: { username: "alice", password: "nope-nope" } })
      const unknownUser = await call("POST", "/api/v1/auth/login", { body: { username: "nobody", password: "nope-nope" } })
      for (const response of [wrongPassword, unknownUser]) {
        expect(response.status).toBe(401)
        expect(response.headers.get("www-authenticate")).toBe("Bearer")
      }
      expect((await json(wrongPassword)).message).toBe((await json(unknownUser)).message)
    })

    test("login takes as long for an unknown user as for a known one (a dummy hash is checked)", async () => {
      const time = async (username: string) => {
        const started = performance.now()
        for (let i = 0; i < 5; i++) await call("POST", "/api/v1/auth/login", { body: { username, password: "wrong-password" } })
        return (performance.now() - started) / 5
      }
      await time("alice") // warm up
      const known = await time("alice")
      const unknown = await time("no-such-user")
      // Without the dummy hash an unknown user would answer in ~1 ms against ~50 ms for bcrypt;
      // the bounds are wide because this machine's CPU is shared.
      expect(unknown).toBeGreaterThan(known / 3)
      expect(unknown).toBeLessThan(known * 3)
    })

    test("tokens that are forged, unsigned, expired, without expiry or missing are refused", async () => {
      const token = await login("alice")
      const { sub, ver } = decodePayload(token)
      const now = Math.floor(Date.now() / 1000)
      const bad = {
        "signed with another key": signHs256({ sub, ver, exp: now + 600 }, "another-secret-another-secret-xx"),
        "alg none": unsignedToken({ sub, ver, exp: now + 600 }),
        expired: signHs256({ sub, ver, iat: now - 7200, exp: now - 3600 }, SECRET),
        "no expiry (signed with the right key)": signHs256({ sub, ver, iat: now }, SECRET),
        "tampered payload": `${token.split(".")[0]}.${Buffer.from(JSON.stringify({ sub: "someone-else", ver, exp: now + 600 })).toString("base64url")}.${token.split(".")[2]}`,
        garbage: "not.a.token"
      }
      for (const [what, forged] of Object.entries(bad)) {
        const response = await call("GET", "/api/v1/auth/me", { token: forged })
        expect([what, response.status]).toEqual([what, 401])
        expect(response.headers.get("www-authenticate")).toBe("Bearer")
      }
      expect((await call("GET", "/api/v1/auth/me")).status).toBe(401)
      expect((await call("GET", "/api/v1/auth/me", { headers: { authorization: "Basic abc" } })).status).toBe(401)
      // The genuine token still works: the refusals above were about the tokens.
      expect((await call("GET", "/api/v1/auth/me", { token })).status).toBe(200)
    })

    test("users are not admins: no user list, no changes to other accounts", async () => {
      const token = await login("alice")
      expect((await call("GET", "/api/v1/auth/users", { token })).status).toBe(403)
      const carol = (await json(call("GET", "/api/v1/auth/users?limit=100", { token: await login("admin", "admin-password-1") }))).users.find(
        (u: { username: string }) => u.username === "carol"
      )
      expect((await call("PATCH", `/api/v1/auth/users/${carol.id}`, { token, body: { is_admin: true } })).status).toBe(403)
      expect((await call("DELETE", `/api/v1/auth/users/${carol.id}`, { token })).status).toBe(403)
    })

    test("the admin lists users in pages", async () => {
      const admin = await login("admin", "admin-password-1")
      const page = await json(call("GET", "/api/v1/auth/users?limit=2&offset=0", { token: admin }))
      expect(page.users.length).toBe(2)
      expect(page.total).toBeGreaterThanOrEqual(3)
      expect(JSON.stringify(page)).not.toMatch(/password|hash/)
      expect((await call("GET", "/api/v1/auth/users?limit=1000", { token: admin })).status).toBe(400)
    })

    test("tokens of deactivated or deleted users, and tokens issued before a password change, stop working", async () => {
      const admin = await login("admin", "admin-password-1")
      const dave = await json(register("dave"))
      const daveToken = await login("dave")
      expect((await call("PATCH", `/api/v1/auth/users/${dave.id}`, { token: admin, body: { is_active: false } })).status).toBe(200)
      expect((await call("GET", "/api/v1/auth/me", { token: daveToken })).status).toBe(401)

      const erin = await json(register("erin"))
      const erinToken = await login("erin")
      expect((await call("DELETE", `/api/v1/auth/users/${erin.id}`, { token: admin })).status).toBe(204)
      expect((await call("GET", "/api/v1/auth/me", { token: erinToken })).status).toBe(401)

      await register("frank")
      const before = await login("frank")
      const withoutCurrent = await call("PUT", "/api/v1/auth/me", { token: before, body: { password: "brand-new-pass" } })
      expect(withoutCurrent.status).toBe(400)
      expect((await json(withoutCurrent)).message).toContain("current_password")
      const changed = await call("PUT", "/api/v1/auth/me", {
        token: before,
        body: { password: "brand-new-pass", current_password: "secure-pass-1", full_name: "Frank F." }
      })
      expect(changed.status).toBe(200)
      expect((await json(changed)).full_name).toBe("Frank F.")
      expect((await call("GET", "/api/v1/auth/me", { token: before })).status).toBe(401)
      const fresh = await login("frank", "brand-new-pass")
      expect((await call("PUT", "/api/v1/auth/me", { token: fresh, body: { email: "thief@example.com" } })).status).toBe(400)
      expect((await call("PUT", "/api/v1/auth/me", { token: fresh, body: { email: "frank2@example.com", current_password: "brand-new-pass" } })).status).toBe(
        200
      )
      expect((await call("GET", "/api/v1/auth/me", { token: await login("frank", "brand-new-pass") })).status).toBe(200)
    })

    test("SQL metacharacters in text fields are stored verbatim", async () => {
      const nasty = "Robert'); DROP TABLE users;-- \"%_\\"
      const created = await json(register("bobby_tables", { full_name: nasty }))
      expect(created.full_name).toBe(nasty)
      expect((await json(call("GET", "/api/v1/auth/me", { token: await login("bobby_tables") }))).full_name).toBe(nasty)
    })

    test("API keys: shown once, scoped, revocable; ingest and reads require credentials when configured", async () => {
      const token = await login("alice")
      const ingestKey = await json(call("POST", "/api/v1/auth/api-keys", { token, body: { name: "shipper", scopes: ["ingest"] } }))
      expect(ingestKey.key.startsWith(ingestKey.prefix)).toBe(true)
      const readKey = (await json(call("POST", "/api/v1/auth/api-keys", { token, body: { name: "reader", scopes: ["read"] } }))).key
      const listed = await json(call("GET", "/api/v1/auth/api-keys", { token }))
      expect(listed.map((k: { name: string }) => k.name).sort()).toEqual(["reader", "shipper"])
      expect(JSON.stringify(listed)).not.toContain(ingestKey.key)

      const ingest = (headers: Record<string, string>) =>
        fetch(`${server().url}/api/v1/logs`, { method: "POST", headers, body: JSON.stringify({ service: "keyed", message: "shipped with a key" }) })
      expect((await ingest({})).status).toBe(401)
      expect((await ingest({ "x-api-key": ingestKey.key })).status).toBe(200)
      expect((await ingest({ authorization: `Bearer ${ingestKey.key}` })).status).toBe(200)
      expect((await ingest({ "x-api-key": readKey })).status).toBe(403)
      expect((await ingest({ authorization: `Bearer ${token}` })).status).toBe(200)

      expect((await fetch(`${server().url}/api/v1/logs/search?service=keyed`)).status).toBe(401)
      expect((await fetch(`${server().url}/api/v1/logs/search?service=keyed`, { headers: { "x-api-key": ingestKey.key } })).status).toBe(403)
      const found = await json(fetch(`${server().url}/api/v1/logs/search?service=keyed`, { headers: { "x-api-key": readKey } }))
      expect(found.total).toBe(3)

      expect((await call("DELETE", `/api/v1/auth/api-keys/${ingestKey.id}`, { token })).status).toBe(204)
      expect((await ingest({ "x-api-key": ingestKey.key })).status).toBe(401)
      // An API key cannot manage the account.
      expect((await call("GET", "/api/v1/auth/me", { token: readKey })).status).toBe(403)
    })

    test("nobody revokes another user's API key: it is not theirs to find, and it keeps working", async () => {
      await register("carol")
      const carol = await login("carol")
      const key = await json(call("POST", "/api/v1/auth/api-keys", { token: carol, body: { name: "carol's shipper", scopes: ["ingest"] } }))
      const alice = await login("alice")
      expect((await call("DELETE", `/api/v1/auth/api-keys/${key.id}`, { token: alice })).status).toBe(404)
      expect(await json(call("GET", "/api/v1/auth/api-keys", { token: alice }))).not.toContainEqual(expect.objectContaining({ id: key.id }))
      const ingest = await fetch(`${server().url}/api/v1/logs`, {
        method: "POST",
        headers: { "x-api-key": key.key },
        body: JSON.stringify({ service: "carol", message: "still allowed" })
      })
      expect(ingest.status).toBe(200)
      expect(await json(call("GET", "/api/v1/auth/api-keys", { token: carol }))).toContainEqual(expect.objectContaining({ id: key.id }))
    })

    test("a live tail needs credentials when reads do, over SSE and WebSocket", async () => {
      expect((await fetch(`${server().url}/api/v1/logs/tail?service=x`)).status).toBe(401)
      const refused = await new Promise<string>((resolve) => {
        const socket = new WebSocket(`${server().url.replace("http", "ws")}/api/v1/logs/tail/ws?service=x`)
        socket.onmessage = (e) => {
          const message = JSON.parse(String(e.data))
          if (message.event === "ready") resolve("ready")
        }
        socket.onerror = () => resolve("refused")
        socket.onclose = () => resolve("refused")
      })
      expect(refused).toBe("refused")
      const token = await login("alice")
      const allowed = await fetch(`${server().url}/api/v1/logs/tail?service=x`, { headers: { authorization: `Bearer ${token}` } })
      expect(allowed.status).toBe(200)
      await allowed.body?.cancel()
    })

    test("health reports the account database", async () => {
      const health = await json(fetch(`${server().url}/health`))
      expect(health.services.database).toBe("healthy")
      expect(health.details.database.engine).toBe(engine === "PostgreSQL" ? "postgres" : "sqlite")
      expect(JSON.stringify(health)).not.toContain("admin-password-1")
    })
  })
