import { writeFileSync } from "node:fs"
import { connect } from "node:tls"
import { join } from "node:path"
import { inCI } from "./ci.ts"
import { type ForegroundDaemon, startForegroundDaemon } from "./foreground-daemon.ts"
import { freePort } from "./server-process.ts"

/**
 * Debian's nginx in front of a plain-text engine (the shared Elasticsearch or OpenSearch) as the
 * TLS-terminating proxy a secured cluster looks like to LogFlow: HTTPS with a certificate the
 * test made, and credentials checked by an nginx `map` on the Authorization header (an
 * Elasticsearch API key, basic users that may or may not do anything), answering 401 and 403
 * with Elasticsearch's error shape. With `clientCaFile`, a client certificate signed by that CA
 * is required (`ssl_verify_client on`). `reconfigure` rewrites the configuration and reloads
 * nginx (SIGHUP), which also closes the connections it kept open.
 */

export interface TlsProxyOptions {
  /** e.g. http://127.0.0.1:19201 */
  readonly upstream: string
  readonly certChainFile: string
  readonly keyFile: string
  /** `Authorization` header values let through. */
  readonly allow: ReadonlyArray<string>
  /** `Authorization` header values authenticated but answered 403. */
  readonly forbid?: ReadonlyArray<string>
  readonly clientCaFile?: string
}

export interface TlsProxy {
  /** https://127.0.0.1:<port> */
  readonly url: string
  readonly reconfigure: (options: TlsProxyOptions) => Promise<void>
  readonly stop: () => Promise<void>
}

export const hasNginx = () => Bun.which("nginx") !== null || Bun.which("/usr/sbin/nginx") !== null

/** Whether nginx can be had; a test needing it fails in CI without it and is skipped elsewhere, saying why. */
export const nginxOrSkip = () => {
  if (hasNginx()) return true
  if (inCI()) throw new Error("nginx is required in CI (apt-get install nginx-light)")
  console.warn("skipping the TLS proxy tests: nginx is not installed (apt-get install nginx-light)")
  return false
}

export const basicAuth = (username: string, password: string) => `Basic ${btoa(`${username}:${password}`)}`

const quote = (value: string) => `"${value.replace(/["\\]/g, "\\$&")}"`

const ERROR = (status: number, type: string, reason: string) => `'{"error":{"type":"${type}","reason":"${reason}"},"status":${status}}'`

const config = (dir: string, port: number, o: TlsProxyOptions) => `
${process.getuid?.() === 0 ? "user root;" : ""}
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 128; }
http {
  access_log off;
  # Header values as long as API keys are longer than the default buckets hold.
  map_hash_bucket_size 256;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  map $http_authorization $access {
    default deny;
${o.allow.map((v) => `    ${quote(v)} allow;`).join("\n")}
${(o.forbid ?? []).map((v) => `    ${quote(v)} forbid;`).join("\n")}
  }
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${o.certChainFile};
    ssl_certificate_key ${o.keyFile};
    ${o.clientCaFile ? `ssl_client_certificate ${o.clientCaFile};\n    ssl_verify_client on;` : ""}
    client_max_body_size 100m;
    default_type application/json;
    location / {
      if ($access = deny) { return 401 ${ERROR(401, "security_exception", "missing or wrong credentials (proxy)")}; }
      if ($access = forbid) { return 403 ${ERROR(403, "security_exception", "action is unauthorized for this user (proxy)")}; }
      proxy_set_header Authorization "";
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_pass ${o.upstream};
    }
  }
}
`

/** The SHA-256 fingerprint of the certificate a TLS server presents now. */
const servedFingerprint = (port: number) =>
  new Promise<string>((resolve) => {
    const socket = connect({ host: "127.0.0.1", port, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate().fingerprint256)
      socket.end()
    })
    socket.once("error", () => resolve(""))
  })

const fingerprintOf = (certChainFile: string) => {
  const run = Bun.spawnSync(["openssl", "x509", "-in", certChainFile, "-noout", "-fingerprint", "-sha256"], { stdout: "pipe" })
  return run.stdout.toString().trim().split("=")[1] ?? ""
}

export const startTlsProxy = async (options: TlsProxyOptions): Promise<TlsProxy> => {
  const port = freePort()
  const file = (dir: string) => join(dir, "nginx.conf")
  const daemon: ForegroundDaemon = await startForegroundDaemon(
    "nginx",
    (dir) => [Bun.which("nginx") ?? "/usr/sbin/nginx", "-p", dir, "-c", file(dir), "-e", join(dir, "error.log")],
    port,
    (dir) => writeFileSync(file(dir), config(dir, port, options))
  )
  return {
    url: `https://127.0.0.1:${port}`,
    reconfigure: async (next) => {
      writeFileSync(file(daemon.dir), config(daemon.dir, port, next))
      daemon.process.kill("SIGHUP")
      // Reloaded once the new certificate is served (every option change in these tests comes with its own certificate or none).
      const wanted = fingerprintOf(next.certChainFile)
      const deadline = Date.now() + 10_000
      while ((await servedFingerprint(port)) !== wanted) {
        if (Date.now() > deadline) throw new Error(`nginx did not reload within 10 s:\n${daemon.output()}`)
        await Bun.sleep(50)
      }
    },
    stop: daemon.stop
  }
}
