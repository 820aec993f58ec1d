import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

/**
 * A certificate authority made for one test with openssl, and server or client certificates it
 * signs, as PEM files in a folder of their own. `fingerprint` is the CA's SHA-256 as
 * Elasticsearch prints it (hex pairs with colons).
 */

export interface TestCa {
  readonly dir: string
  readonly caFile: string
  readonly fingerprint: string
  /** A certificate signed by this CA for `names` (DNS names or IP addresses), with its key; `chainFile` holds it followed by the CA. */
  readonly issue: (name: string, names: ReadonlyArray<string>) => { certFile: string; keyFile: string; chainFile: string; p12File: string }
}

const openssl = (...args: string[]) => {
  const run = Bun.spawnSync(["openssl", ...args], { stdout: "pipe", stderr: "pipe" })
  if (run.exitCode !== 0) throw new Error(`openssl ${args[0]} failed: ${run.stderr.toString()}`)
  return run.stdout.toString()
}

/** Whether openssl can be run; a test needing it fails in CI without it. */
export const hasOpenssl = () => Bun.which("openssl") !== null

export const P12_PASSWORD = "test-keystore"

export const makeTestCa = (label: string): TestCa => {
  const dir = mkdtempSync(join(tmpdir(), `logflow-ca-${label}-`))
  const caKey = join(dir, "ca.key")
  const caFile = join(dir, "ca.pem")
  openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", caKey, "-out", caFile, "-days", "2", "-subj", `/CN=LogFlow test CA ${label}`)
  const fingerprint = openssl("x509", "-in", caFile, "-noout", "-fingerprint", "-sha256").trim().split("=")[1]!
  let serial = 1
  return {
    dir,
    caFile,
    fingerprint,
    issue: (name, names) => {
      const keyFile = join(dir, `${name}.key`)
      const certFile = join(dir, `${name}.pem`)
      const csr = join(dir, `${name}.csr`)
      const ext = join(dir, `${name}.ext`)
      const alt = names.map((n) => (/^[\d.]+$/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(",")
      writeFileSync(ext, `subjectAltName=${alt}\nextendedKeyUsage=serverAuth,clientAuth\n`)
      openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", keyFile, "-out", csr, "-subj", `/CN=${name}`)
      openssl("x509", "-req", "-in", csr, "-CA", caFile, "-CAkey", caKey, "-set_serial", String(serial++), "-days", "2", "-out", certFile, "-extfile", ext)
      const chainFile = join(dir, `${name}-chain.pem`)
      writeFileSync(chainFile, readFileSync(certFile, "utf8") + readFileSync(caFile, "utf8"))
      const p12File = join(dir, `${name}.p12`)
      openssl("pkcs12", "-export", "-in", certFile, "-inkey", keyFile, "-certfile", caFile, "-out", p12File, "-passout", `pass:${P12_PASSWORD}`)
      return { certFile, keyFile, chainFile, p12File }
    }
  }
}
