import { describe, expect, setDefaultTimeout, test } from "bun:test"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { DocumentSecurity } from "../../src/adapters/log-store/document/security.ts"
import { makeTestCa } from "../support/certificates.ts"
import { ES_USERS, SECURE_INDEX_PREFIX, useSecureElasticsearch } from "../support/secure-elasticsearch.ts"
import { healthUntil, roundTrip, secureStore, startFailure } from "../support/secure-stores.ts"
import { disposeServer, json, startServer } from "../support/server-process.ts"

setDefaultTimeout(90_000)

/**
 * LogFlow on an Elasticsearch whose security is on (HTTPS with a private CA, users, a client
 * certificate realm): each way of authenticating and of trusting the certificate writes and
 * finds records; each wrong setting stops the start naming that setting, without printing a
 * secret; a running server's /health says when the engine stops accepting its password or its
 * privileges. API keys are tested through a proxy (search-proxy-security.test.ts): this
 * distribution cannot hold them.
 */

const es = await useSecureElasticsearch()
const run = `${SECURE_INDEX_PREFIX}${Date.now().toString(36)}`
let n = 0
const index = () => `${run}-${n++}`
const writer = { username: ES_USERS.writer.username, password: ES_USERS.writer.password }
const security = (s: Omit<DocumentSecurity, "settings" | "rejectUnauthorized"> & { rejectUnauthorized?: boolean }): DocumentSecurity => ({
  settings: "ELASTICSEARCH",
  rejectUnauthorized: true,
  ...s
})
const store = (s: DocumentSecurity, hosts = es!.url) => secureStore("elasticsearch", hosts, index(), s)

describe.skipIf(!es)("Elasticsearch with security on: what works", () => {
  test("a user and password with the CA file: records written are found", async () => {
    const { found, sent, health } = await roundTrip(store(security({ ...writer, caFile: es!.ca.caFile })))
    expect(found).toEqual(sent)
    expect(health.status).toBe("healthy")
  })

  test("the CA's fingerprint as Elasticsearch prints it, with colons or without, in place of the CA file", async () => {
    const colons = await roundTrip(store(security({ ...writer, caFingerprint: es!.ca.fingerprint })))
    expect(colons.found).toEqual(colons.sent)
    const bare = await roundTrip(store(security({ ...writer, caFingerprint: es!.ca.fingerprint.replaceAll(":", "").toLowerCase() })))
    expect(bare.found).toEqual(bare.sent)
  })

  test("a client certificate alone authenticates (the engine's PKI realm maps it to a role)", async () => {
    const { found, sent } = await roundTrip(store(security({ caFile: es!.ca.caFile, ...es!.client })))
    expect(found).toEqual(sent)
  })

  test("certificate checks off (TLS_REJECT_UNAUTHORIZED=false) connects without a CA", async () => {
    const { found, sent } = await roundTrip(store(security({ ...writer, rejectUnauthorized: false })))
    expect(found).toEqual(sent)
  })
})

describe.skipIf(!es)("Elasticsearch with security on: a refusal stops the start, naming the setting", () => {
  test("a wrong password: authentication, ELASTICSEARCH_USERNAME and ELASTICSEARCH_PASSWORD, and not the password", async () => {
    const why = await startFailure(store(security({ username: writer.username, password: "not-the-password-5521", caFile: es!.ca.caFile })))
    expect(why).toContain("refused the credentials (401")
    expect(why).toContain("ELASTICSEARCH_USERNAME and ELASTICSEARCH_PASSWORD")
    expect(why).not.toContain("not-the-password-5521")
  })

  test("no credentials at all: says which settings give them", async () => {
    const why = await startFailure(store(security({ caFile: es!.ca.caFile })))
    expect(why).toContain("ELASTICSEARCH_API_KEY, or ELASTICSEARCH_USERNAME and ELASTICSEARCH_PASSWORD (none is set)")
  })

  test("a user without privileges: authorisation (403), not authentication", async () => {
    const why = await startFailure(store(security({ ...ES_USERS.nobody, caFile: es!.ca.caFile })))
    expect(why).toContain("accepted the credentials but refuses the request (403")
    expect(why).not.toContain(ES_USERS.nobody.password)
  })

  test("no CA given for a private CA: the certificate is not trusted, ELASTICSEARCH_CA_FILE or _CA_FINGERPRINT", async () => {
    const why = await startFailure(store(security(writer)))
    expect(why).toContain("certificate is not trusted")
    expect(why).toContain("set ELASTICSEARCH_CA_FILE to the CA that signed it, or ELASTICSEARCH_CA_FINGERPRINT")
  })

  test("a CA file of another CA: says the file holds no CA that signed the certificate", async () => {
    const other = makeTestCa("other")
    try {
      const why = await startFailure(store(security({ ...writer, caFile: other.caFile })))
      expect(why).toContain("ELASTICSEARCH_CA_FILE holds no CA that signed it")
      expect(why).toContain(other.caFile)
    } finally {
      rmSync(other.dir, { recursive: true, force: true })
    }
  })

  test("a fingerprint of another CA: names ELASTICSEARCH_CA_FINGERPRINT and what the engine sends", async () => {
    const other = makeTestCa("other-fp")
    try {
      const why = await startFailure(store(security({ ...writer, caFingerprint: other.fingerprint })))
      expect(why).toContain("ELASTICSEARCH_CA_FINGERPRINT: no certificate Elasticsearch sends has this fingerprint")
      expect(why).toContain(es!.ca.fingerprint)
    } finally {
      rmSync(other.dir, { recursive: true, force: true })
    }
  })

  test("a host name the certificate was not made for: says so, naming ELASTICSEARCH_HOSTS", async () => {
    const why = await startFailure(store(security({ ...writer, caFile: es!.ca.caFile }), es!.url.replace("127.0.0.1", "localhost")))
    expect(why).toContain("certificate does not name the host in ELASTICSEARCH_HOSTS")
    expect(why).toContain("ELASTICSEARCH_HOSTS=https://localhost:")
  })

  test("plain http to the HTTPS port: unreachable, asking whether it is https://", async () => {
    const why = await startFailure(store(security(writer), es!.url.replace("https://", "http://")))
    expect(why).toContain("did not answer (is it https:// or http://?)")
  })
})

const SECRET_KEY = "4be0c97a21f3d6e85a0c7b19d2f46e3a8c5b1d07e9f2a46c3b8d15e0f7a9c2d4"

describe.skipIf(!es)("Elasticsearch with security on: the server in production", () => {
  const secrets = mkdtempSync(join(tmpdir(), "logflow-es-secret-"))
  const passwordFile = join(secrets, "es-password")
  writeFileSync(passwordFile, `${writer.password}\n`)
  const production = (env: Record<string, string>) => ({
    LOGFLOW_ENV: "production",
    SECRET_KEY,
    ADMIN_PASSWORD: "an-admin-password-for-tests",
    ELASTICSEARCH_HOSTS: es!.url,
    ELASTICSEARCH_INDEX: index(),
    ELASTICSEARCH_USERNAME: writer.username,
    ELASTICSEARCH_PASSWORD_FILE: passwordFile,
    ...env
  })

  test("/health names authentication when the password stops working, and authorisation when the privileges go", async () => {
    const server = await startServer({ env: production({ ELASTICSEARCH_CA_FINGERPRINT: es!.ca.fingerprint }) })
    try {
      const healthy = await json(fetch(`${server.url}/health`))
      expect(healthy.services.elasticsearch).toMatch(/^(green|yellow)$/)

      await es!.setPasswords({ writer: "changed-on-the-engine-8812" })
      const refused = await healthUntil(server.url, "authentication")
      expect(refused.status).toBe("unhealthy")
      expect(refused.services.elasticsearch).toBe("authentication")
      expect(refused.details.log_store.error).toContain("check ELASTICSEARCH_USERNAME and ELASTICSEARCH_PASSWORD")
      // /health is public: it names settings, never their values (hosts, users).
      expect(refused.details.log_store.error).not.toContain(es!.url)
      expect(refused.details.log_store.error).not.toContain(`[${writer.username}]`)
      expect(server.output()).toContain("unable to authenticate user")
      await es!.setPasswords({})
      await healthUntil(server.url, undefined)

      es!.setWriterMonitors(false)
      const forbidden = await healthUntil(server.url, "authorisation")
      expect(forbidden.services.elasticsearch).toBe("authorisation")
      expect(forbidden.details.log_store.error).toContain("403")
      es!.setWriterMonitors(true)
      await healthUntil(server.url, undefined)
      expect(server.output()).not.toContain(writer.password)
    } finally {
      await es!.setPasswords({})
      es!.setWriterMonitors(true)
      await disposeServer(server)
    }
  })

  test("ELASTICSEARCH_TLS_REJECT_UNAUTHORIZED=false is refused in production, and accepted with a warning under ALLOW_INSECURE_ENGINES", async () => {
    const refused = Bun.spawnSync([process.execPath, "run", "src/main.ts", "all"], {
      cwd: join(import.meta.dir, "../.."),
      env: { ...process.env, API_PORT: "0", ...production({ ELASTICSEARCH_TLS_REJECT_UNAUTHORIZED: "false" }) },
      stdout: "pipe",
      stderr: "pipe"
    })
    expect(refused.exitCode).toBe(2)
    expect(refused.stderr.toString()).toContain("ELASTICSEARCH_TLS_REJECT_UNAUTHORIZED: false accepts any certificate")

    const allowed = await startServer({ env: production({ ELASTICSEARCH_TLS_REJECT_UNAUTHORIZED: "false", ALLOW_INSECURE_ENGINES: "true" }) })
    try {
      expect(allowed.output()).toContain("ALLOW_INSECURE_ENGINES=true: connecting to engines in ways production refuses otherwise")
      expect(allowed.output()).toContain("ELASTICSEARCH_TLS_REJECT_UNAUTHORIZED")
      expect((await json(fetch(`${allowed.url}/health`))).services.log_store).toBe("healthy")
    } finally {
      await disposeServer(allowed)
      rmSync(secrets, { recursive: true, force: true })
    }
  })
})
