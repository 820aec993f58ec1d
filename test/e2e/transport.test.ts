import { describe, expect, test } from "bun:test"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { disposeServer, removeDataDir, startServer, stopServer } from "../support/server-process.ts"

describe("transport security", () => {
  test("CORS: only configured origins get CORS headers; none configured means none", async () => {
    const open = await startServer()
    const configured = await startServer({ env: { CORS_ORIGINS: "https://console.example.com" } })
    try {
      const preflight = (url: string, origin: string) =>
        fetch(`${url}/api/v1/logs/search`, {
          method: "OPTIONS",
          headers: { origin, "access-control-request-method": "GET", "access-control-request-headers": "authorization" }
        })
      const allowed = await preflight(configured.url, "https://console.example.com")
      expect(allowed.headers.get("access-control-allow-origin")).toBe("https://console.example.com")
      expect(allowed.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization")
      expect((await preflight(configured.url, "https://evil.example.net")).headers.get("access-control-allow-origin")).toBeNull()
      const simple = await fetch(`${configured.url}/health`, { headers: { origin: "https://evil.example.net" } })
      expect(simple.headers.get("access-control-allow-origin")).toBeNull()
      expect((await fetch(`${open.url}/health`, { headers: { origin: "https://console.example.com" } })).headers.get("access-control-allow-origin")).toBeNull()
    } finally {
      await Promise.all([stopServer(open), stopServer(configured)])
      removeDataDir(open.dataDir)
      removeDataDir(configured.dataDir)
    }
  })

  test("HTTPS with TLS_CERT_FILE and TLS_KEY_FILE", async () => {
    const dir = mkdtempSync(join(tmpdir(), "logflow-tls-"))
    const cert = join(dir, "cert.pem")
    const key = join(dir, "key.pem")
    const made = Bun.spawnSync(
      ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1"],
      { stdout: "ignore", stderr: "pipe" }
    )
    expect(made.exitCode).toBe(0)
    const server = await startServer({ env: { TLS_CERT_FILE: cert, TLS_KEY_FILE: key } })
    try {
      expect(server.url.startsWith("https://")).toBe(true)
      const response = await fetch(`${server.url}/health`, { tls: { rejectUnauthorized: false } })
      expect(response.status).toBe(200)
      // Plain HTTP to the TLS port gets nothing useful.
      const plain = await fetch(`${server.url.replace("https://", "http://")}/health`).then(
        (r) => r.status,
        () => "refused"
      )
      expect(plain).not.toBe(200)
    } finally {
      await disposeServer(server)
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
