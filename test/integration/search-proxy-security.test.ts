import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test"
import { rmSync } from "node:fs"
import type { DocumentSecurity } from "../../src/adapters/log-store/document/security.ts"
import { hasOpenssl, makeTestCa } from "../support/certificates.ts"
import { useEngine } from "../support/engines.ts"
import { healthUntil, roundTrip, secureStore, startFailure } from "../support/secure-stores.ts"
import { disposeServer, json, startServer } from "../support/server-process.ts"
import { basicAuth, nginxOrSkip, startTlsProxy, type TlsProxy, type TlsProxyOptions } from "../support/tls-proxy.ts"

setDefaultTimeout(90_000)

/**
 * What the Elasticsearch distribution the tests fetch cannot do with its own security (API
 * keys), and OpenSearch, whose test distribution has no security plugin: through Debian's
 * nginx as a TLS-terminating proxy in front of the shared engines, with a CA this file makes.
 * An Elasticsearch API key and OpenSearch users are checked by the proxy (401 and 403 in the
 * engine's error shape), as are client certificates; records written through it are found; a
 * running server's /health names the certificate when the proxy starts presenting one from
 * another CA.
 */

const run = `lfprx-${Date.now().toString(36)}`
let n = 0
const index = () => `${run}-${n++}`
const dropIndices = async (hosts: string) => {
  const base = hosts.split(",")[0]!
  await fetch(`${base}/${run}*?ignore_unavailable=true&allow_no_indices=true`, { method: "DELETE" })
  await fetch(`${base}/_index_template/${run}*`, { method: "DELETE" })
}
const esHosts = await useEngine("elasticsearch", dropIndices)
const osHosts = await useEngine("opensearch", dropIndices)
const ready = esHosts !== undefined && osHosts !== undefined && nginxOrSkip() && hasOpenssl()

const API_KEY_PARTS = `lf-key-id:${crypto.randomUUID()}`
const API_KEY = Buffer.from(API_KEY_PARTS).toString("base64")
const OS_WRITER = { username: "logflow", password: "os-proxy-secret-41d2" }
const OS_NOBODY = { username: "nobody", password: "os-nobody-secret-0c7e" }

const ca = ready ? makeTestCa("proxy") : undefined
const other = ready ? makeTestCa("proxy-other") : undefined
const proxyCert = ca?.issue("proxy", ["127.0.0.1"])
const client = ca?.issue("logflow-client", ["logflow-client"])
const strangerClient = other?.issue("stranger-client", ["stranger-client"])
const strangerServer = other?.issue("stranger-proxy", ["127.0.0.1"])

const proxy = async (options: Omit<TlsProxyOptions, "certChainFile" | "keyFile">): Promise<TlsProxy> => {
  const started = await startTlsProxy({ certChainFile: proxyCert!.chainFile, keyFile: proxyCert!.keyFile, ...options })
  afterAll(started.stop)
  return started
}
const esProxy = ready ? await proxy({ upstream: esHosts!, allow: [`ApiKey ${API_KEY}`] }) : undefined
const osOptions = {
  upstream: osHosts!,
  allow: [basicAuth(OS_WRITER.username, OS_WRITER.password)],
  forbid: [basicAuth(OS_NOBODY.username, OS_NOBODY.password)]
}
const osProxy = ready ? await proxy(osOptions) : undefined
const osMutualTls = ready ? await proxy({ ...osOptions, clientCaFile: ca!.caFile }) : undefined
afterAll(() => {
  for (const c of [ca, other]) if (c) rmSync(c.dir, { recursive: true, force: true })
})

const security = (settings: DocumentSecurity["settings"], s: Omit<DocumentSecurity, "settings" | "rejectUnauthorized">): DocumentSecurity => ({
  settings,
  rejectUnauthorized: true,
  ...s
})

describe.skipIf(!ready)("Elasticsearch API keys, through a TLS proxy", () => {
  test("ELASTICSEARCH_API_KEY with the CA file: records written are found", async () => {
    const { found, sent, health } = await roundTrip(
      secureStore("elasticsearch", esProxy!.url, index(), security("ELASTICSEARCH", { apiKey: API_KEY, caFile: ca!.caFile }))
    )
    expect(found).toEqual(sent)
    expect(health.status).toBe("healthy")
  })

  test("ELASTICSEARCH_API_KEY as `id:api_key` is sent in the encoded form", async () => {
    const { found, sent } = await roundTrip(
      secureStore("elasticsearch", esProxy!.url, index(), security("ELASTICSEARCH", { apiKey: API_KEY_PARTS, caFile: ca!.caFile }))
    )
    expect(found).toEqual(sent)
  })

  test("a wrong API key stops the start: authentication, naming ELASTICSEARCH_API_KEY and not printing it", async () => {
    const wrong = Buffer.from("lf-key-id:not-this-one").toString("base64")
    const why = await startFailure(secureStore("elasticsearch", esProxy!.url, index(), security("ELASTICSEARCH", { apiKey: wrong, caFile: ca!.caFile })))
    expect(why).toContain("refused the credentials (401")
    expect(why).toContain("check ELASTICSEARCH_API_KEY")
    expect(why).not.toContain(wrong)
  })
})

describe.skipIf(!ready)("OpenSearch with TLS and users, through a TLS proxy", () => {
  const os = (hosts: string, s: Omit<DocumentSecurity, "settings" | "rejectUnauthorized">) =>
    secureStore("opensearch", hosts, index(), security("OPENSEARCH", s))

  test("a user and password with the CA file, and with the CA's fingerprint: records written are found", async () => {
    const byFile = await roundTrip(os(osProxy!.url, { ...OS_WRITER, caFile: ca!.caFile }))
    expect(byFile.found).toEqual(byFile.sent)
    const byFingerprint = await roundTrip(os(osProxy!.url, { ...OS_WRITER, caFingerprint: ca!.fingerprint }))
    expect(byFingerprint.found).toEqual(byFingerprint.sent)
  })

  test("a wrong password: authentication; a user without privileges: authorisation; each naming OPENSEARCH_USERNAME and OPENSEARCH_PASSWORD", async () => {
    const wrong = await startFailure(os(osProxy!.url, { username: OS_WRITER.username, password: "wrong-password-993", caFile: ca!.caFile }))
    expect(wrong).toContain("OpenSearch refused the credentials (401")
    expect(wrong).toContain("OPENSEARCH_USERNAME and OPENSEARCH_PASSWORD")
    expect(wrong).not.toContain("wrong-password-993")
    const forbidden = await startFailure(os(osProxy!.url, { ...OS_NOBODY, caFile: ca!.caFile }))
    expect(forbidden).toContain("accepted the credentials but refuses the request (403")
  })

  test("a client certificate: required and given, records are found; missing or from another CA, the start says which setting", async () => {
    const given = await roundTrip(os(osMutualTls!.url, { ...OS_WRITER, caFile: ca!.caFile, certFile: client!.certFile, keyFile: client!.keyFile }))
    expect(given.found).toEqual(given.sent)
    const missing = await startFailure(os(osMutualTls!.url, { ...OS_WRITER, caFile: ca!.caFile }))
    expect(missing).toContain("wants a client certificate")
    expect(missing).toContain("set OPENSEARCH_CERT_FILE and OPENSEARCH_KEY_FILE")
    const stranger = await startFailure(
      os(osMutualTls!.url, { ...OS_WRITER, caFile: ca!.caFile, certFile: strangerClient!.certFile, keyFile: strangerClient!.keyFile })
    )
    expect(stranger).toContain("did not accept the client certificate in OPENSEARCH_CERT_FILE")
  })

  test("/health names the certificate when the engine starts presenting one from a CA LogFlow does not trust", async () => {
    const healthProxy = await proxy(osOptions)
    const server = await startServer({
      env: {
        OPENSEARCH_HOSTS: healthProxy.url,
        ELASTICSEARCH_INDEX: index(),
        OPENSEARCH_USERNAME: OS_WRITER.username,
        OPENSEARCH_PASSWORD: OS_WRITER.password,
        OPENSEARCH_CA_FILE: ca!.caFile
      }
    })
    try {
      expect((await json(fetch(`${server.url}/health`))).services.opensearch).toMatch(/^(green|yellow)$/)
      await healthProxy.reconfigure({ ...osOptions, certChainFile: strangerServer!.chainFile, keyFile: strangerServer!.keyFile })
      const report = await healthUntil(server.url, "certificate")
      expect(report.services.opensearch).toBe("certificate")
      expect(report.details.log_store.error).toContain("OPENSEARCH_CA_FILE holds no CA that signed it")
      expect(report.details.log_store.error).not.toContain(ca!.caFile)
      await healthProxy.reconfigure({ ...osOptions, certChainFile: proxyCert!.chainFile, keyFile: proxyCert!.keyFile })
      await healthUntil(server.url, undefined)
      expect(server.output()).not.toContain(OS_WRITER.password)
    } finally {
      await disposeServer(server)
    }
  })
})
