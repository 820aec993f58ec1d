import { mkdtempSync, rmSync, writeFileSync, copyFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "bun:test"
import { hasOpenssl, makeTestCa, type TestCa } from "./certificates.ts"
import { inCI } from "./ci.ts"
import { freePort } from "./server-process.ts"

/**
 * An Elasticsearch of the test file's own with its security on, as Elasticsearch 8 and 9 run
 * by default: HTTPS with a certificate from a CA the test made (for 127.0.0.1 only, so
 * `https://localhost` names another host), users in its file realm, and the PKI realm mapping
 * the client certificate `CN=logflow-client` to LogFlow's role. The distribution the tests
 * fetch (the integration-test zip) has no analysis module, which the `.security` index needs,
 * so it cannot hold API keys or native users: API keys are tested through a TLS proxy
 * (tls-proxy.ts). Started with scripts/engines/elasticsearch.sh and stopped after the file.
 * Undefined (with the reason printed) when it cannot be had outside CI; in CI that fails.
 */

export const ES_USERS = {
  /** May write LogFlow's indices (`lfsec-*`) and read the cluster's health. */
  writer: { username: "logflow", password: "writer-secret-3f9a" },
  /** Authenticated, but with no privileges at all. */
  nobody: { username: "nobody", password: "nobody-secret-77c1" }
} as const

/** Index names the writer role may use. */
export const SECURE_INDEX_PREFIX = "lfsec-"

export interface SecureElasticsearch {
  /** https://127.0.0.1:<port> */
  readonly url: string
  readonly ca: TestCa
  /** The client certificate the PKI realm maps to the writer role. */
  readonly client: { readonly certFile: string; readonly keyFile: string }
  /** Where the engine reads its users and roles (reloaded within a second of a change). */
  readonly configDir: string
  /** Rewrites the file realm: users with these passwords (each with the role it had). */
  readonly setPasswords: (passwords: Partial<Record<keyof typeof ES_USERS, string>>) => Promise<void>
  /** Rewrites the writer role without the cluster privilege `monitor` (health) or with it. */
  readonly setWriterMonitors: (monitor: boolean) => void
}

const ROOT = join(import.meta.dir, "../..")

const unavailable = (why: string) => {
  if (inCI()) throw new Error(`an Elasticsearch with security on is required in CI: ${why}`)
  console.warn(`skipping secure Elasticsearch tests: ${why}`)
  return undefined
}

const SETTINGS = `xpack.security.enabled: true
xpack.security.http.ssl.enabled: true
xpack.security.http.ssl.certificate: http-chain.pem
xpack.security.http.ssl.key: http.key
xpack.security.http.ssl.certificate_authorities: ca.pem
xpack.security.http.ssl.client_authentication: optional
xpack.security.transport.ssl.enabled: false
# The PKI realm needs more than the basic licence; the self-generated trial has it.
xpack.license.self_generated.type: trial
xpack.security.authc.realms.file.file1.order: 0
xpack.security.authc.realms.pki.pki1.order: 1
xpack.security.authc.realms.pki.pki1.files.role_mapping: role_mapping.yml
resource.reload.interval.high: 1s
`

const roles = (monitor: boolean) => `logflow_writer:
  cluster: [${monitor ? "monitor, " : ""}manage_index_templates]
  indices:
    - names: ["${SECURE_INDEX_PREFIX}*"]
      privileges: [all]
nobody_role:
  cluster: []
`

/** The file realm's `users` file: bcrypt hashes, which Elasticsearch reads in the `$2b$` form Bun writes. */
const usersFile = async (passwords: Record<keyof typeof ES_USERS, string>) => {
  const lines = await Promise.all(
    (Object.keys(ES_USERS) as Array<keyof typeof ES_USERS>).map(
      async (user) => `${ES_USERS[user].username}:${await Bun.password.hash(passwords[user], { algorithm: "bcrypt", cost: 4 })}`
    )
  )
  return `${lines.join("\n")}\n`
}

const writeConfig = async (dir: string, ca: TestCa) => {
  const http = ca.issue("http", ["127.0.0.1"])
  copyFileSync(http.chainFile, join(dir, "http-chain.pem"))
  copyFileSync(http.keyFile, join(dir, "http.key"))
  copyFileSync(ca.caFile, join(dir, "ca.pem"))
  writeFileSync(join(dir, "settings.yml"), SETTINGS)
  writeFileSync(join(dir, "roles.yml"), roles(true))
  writeFileSync(join(dir, "users_roles"), `logflow_writer:${ES_USERS.writer.username}\nnobody_role:${ES_USERS.nobody.username}\n`)
  writeFileSync(join(dir, "role_mapping.yml"), 'logflow_writer:\n  - "CN=logflow-client"\n')
  writeFileSync(join(dir, "users"), await usersFile({ writer: ES_USERS.writer.password, nobody: ES_USERS.nobody.password }))
}

export const useSecureElasticsearch = async (): Promise<SecureElasticsearch | undefined> => {
  if (!hasOpenssl()) return unavailable("openssl is not installed")
  const fetched = Bun.spawnSync(["bash", join(ROOT, "scripts/engines/fetch.sh"), "elasticsearch"], { stdout: "pipe", stderr: "pipe" })
  if (fetched.exitCode !== 0) return unavailable(`scripts/engines/fetch.sh elasticsearch failed:\n${fetched.stderr.toString()}`)
  const ca = makeTestCa("es")
  const extra = mkdtempSync(join(tmpdir(), "logflow-secure-es-config-"))
  await writeConfig(extra, ca)
  const client = ca.issue("logflow-client", ["logflow-client"])
  const dir = mkdtempSync(join(tmpdir(), "logflow-secure-es-"))
  const start = Bun.spawn(["bash", join(ROOT, "scripts/engines/elasticsearch.sh"), "start", "--port", String(freePort()), "--dir", dir], {
    env: { ...process.env, ENGINE_EXTRA_CONFIG: extra },
    stdout: "pipe",
    stderr: "pipe"
  })
  const [code, out, err] = await Promise.all([start.exited, new Response(start.stdout).text(), new Response(start.stderr).text()])
  const stop = () => {
    Bun.spawnSync(["bash", join(ROOT, "scripts/engines/elasticsearch.sh"), "stop", "--dir", dir])
    for (const d of [dir, extra, ca.dir]) rmSync(d, { recursive: true, force: true })
  }
  if (code !== 0) {
    stop()
    return unavailable(`scripts/engines/elasticsearch.sh start failed:\n${err}`)
  }
  afterAll(stop)
  const url = out.trim().split("\n").at(-1)!
  // The engine's own copy of its configuration (the script copies the extra files into it).
  const configDir = join(dir, "config")
  const passwords = { writer: ES_USERS.writer.password, nobody: ES_USERS.nobody.password }
  await waitUntilReady(url, ca.caFile)
  return {
    url,
    ca,
    client: { certFile: client.certFile, keyFile: client.keyFile },
    configDir,
    setPasswords: async (changed) => writeFileSync(join(configDir, "users"), await usersFile({ ...passwords, ...changed })),
    setWriterMonitors: (monitor) => writeFileSync(join(configDir, "roles.yml"), roles(monitor))
  }
}

/** Waits until the cluster answers the writer with a usable status (the security index is not needed). */
const waitUntilReady = async (url: string, caFile: string) => {
  const auth = `Basic ${btoa(`${ES_USERS.writer.username}:${ES_USERS.writer.password}`)}`
  const deadline = Date.now() + 60_000
  for (;;) {
    const status = await fetch(`${url}/_cluster/health?wait_for_status=yellow&timeout=5s`, {
      headers: { authorization: auth },
      tls: { ca: await Bun.file(caFile).text() }
    }).then(
      (r) => r.status,
      () => 0
    )
    if (status === 200) return
    if (Date.now() > deadline) throw new Error(`the secure Elasticsearch at ${url} did not become ready (last status ${status})`)
    await Bun.sleep(200)
  }
}
