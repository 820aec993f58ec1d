import { X509Certificate } from "node:crypto"
import { readFileSync } from "node:fs"
import { type DetailedPeerCertificate, connect as tlsConnect } from "node:tls"
import { Effect } from "effect"
import { type DocumentSecurity, engineName, redactHosts, refusal } from "./security.ts"

/**
 * The TLS options and credentials the Elasticsearch and OpenSearch clients are given, from the
 * settings: PEM files read once, and a CA fingerprint turned into the CA itself. For the
 * fingerprint, LogFlow asks the first host that answers for its certificate chain once, finds
 * the CA with that SHA-256 in it, and from then on trusts that CA as if it were
 * `…_CA_FILE`: certificates are verified as usual, host names included (the clients' own
 * fingerprint check would turn host-name checks off).
 */

export interface DocumentConnection {
  readonly hosts: ReadonlyArray<string>
  readonly requestTimeoutMs: number
  readonly auth?: { readonly apiKey: string } | { readonly username: string; readonly password: string }
  readonly tls: { readonly ca?: string; readonly cert?: string; readonly key?: string; readonly rejectUnauthorized: boolean }
}

const readPem = (setting: string, path: string | undefined) =>
  path === undefined
    ? Effect.succeed(undefined)
    : Effect.try({
        try: () => readFileSync(path, "utf8"),
        catch: (e) => refusal("certificate", `${setting}: cannot read the file`, `${path}: ${(e as NodeJS.ErrnoException).code ?? e}`)
      })

/** `AB:CD:…` or `abcd…` as upper-case hex without colons. */
const normalise = (fingerprint: string) => fingerprint.replaceAll(":", "").toUpperCase()

const toPem = (raw: Buffer) => new X509Certificate(raw).toString()

/** The chain a host sends, leaf first, without trusting it (it is only compared with the fingerprint). */
const peerChain = (host: string, timeoutMs: number) =>
  Effect.async<ReadonlyArray<DetailedPeerCertificate>, Error>((resume) => {
    const url = new URL(host)
    const servername = /^[\d.]+$|:/.test(url.hostname) ? undefined : url.hostname
    const socket = tlsConnect({ host: url.hostname.replace(/^\[|\]$/g, ""), port: Number(url.port || 443), servername, rejectUnauthorized: false }, () => {
      const chain: DetailedPeerCertificate[] = []
      let cert: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true)
      while (cert?.raw && !chain.some((c) => c.fingerprint256 === cert?.fingerprint256)) {
        chain.push(cert)
        cert = cert.issuerCertificate
      }
      socket.end()
      resume(Effect.succeed(chain))
    })
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no TLS handshake within ${timeoutMs} ms`)))
    socket.once("error", (e) => resume(Effect.fail(e)))
    return Effect.sync(() => socket.destroy())
  })

/** The CA certificate with `fingerprint` in the chain of the first https host that answers. */
const caByFingerprint = (security: DocumentSecurity, hosts: ReadonlyArray<string>, fingerprint: string, timeoutMs: number) => {
  const setting = `${security.settings}_CA_FINGERPRINT`
  const tlsHosts = hosts.filter((h) => h.startsWith("https://"))
  if (tlsHosts.length === 0)
    return Effect.fail(refusal("certificate", `${setting}: ${security.settings}_HOSTS has no https:// URL, so there is no certificate to check`))
  const wanted = normalise(fingerprint)
  return Effect.firstSuccessOf(tlsHosts.map((h) => peerChain(h, timeoutMs))).pipe(
    Effect.mapError((e) =>
      refusal(
        "unreachable",
        `${engineName(security.settings)} at ${security.settings}_HOSTS did not answer over TLS, so ${setting} could not be checked`,
        `${redactHosts(tlsHosts)}: ${e.message}`
      )
    ),
    Effect.flatMap((chain) => {
      const match = chain.find((c) => normalise(c.fingerprint256) === wanted)
      if (match === undefined) {
        const sent = chain.map((c) => `${c.subject?.CN ?? "?"} ${c.fingerprint256}`).join("; ")
        return Effect.fail(
          refusal("certificate", `${setting}: no certificate ${engineName(security.settings)} sends has this fingerprint`, `it sends: ${sent}`)
        )
      }
      // Trusting a certificate that is not a root would fail verification later with a vaguer error.
      if (normalise(match.issuerCertificate?.fingerprint256 ?? "") !== wanted)
        return Effect.fail(
          refusal(
            "certificate",
            `${setting}: the certificate with this fingerprint is not a root CA; give the fingerprint of the CA at the end of the chain, or ${security.settings}_CA_FILE`,
            String(match.subject?.CN ?? "")
          )
        )
      return Effect.succeed(toPem(match.raw))
    })
  )
}

/**
 * An API key as Elasticsearch sends it: its `encoded` form, or `id:api_key` (the two other
 * fields of its answer), encoded here. Base64 has no colon, so the two cannot be confused.
 */
const encodedApiKey = (key: string) => (key.includes(":") ? Buffer.from(key).toString("base64") : key)

/** The clients' options from the settings; a file that cannot be read or a fingerprint found nowhere fails, naming its setting. */
export const resolveConnection = (security: DocumentSecurity, hosts: ReadonlyArray<string>, requestTimeoutMs: number) =>
  Effect.gen(function* () {
    const s = security.settings
    const fileCa = yield* readPem(`${s}_CA_FILE`, security.caFile)
    const cert = yield* readPem(`${s}_CERT_FILE`, security.certFile)
    const key = yield* readPem(`${s}_KEY_FILE`, security.keyFile)
    const ca = fileCa ?? (security.caFingerprint ? yield* caByFingerprint(security, hosts, security.caFingerprint, requestTimeoutMs) : undefined)
    const auth = security.apiKey
      ? { apiKey: encodedApiKey(security.apiKey) }
      : security.username && security.password
        ? { username: security.username, password: security.password }
        : undefined
    const connection: DocumentConnection = {
      hosts,
      requestTimeoutMs,
      ...(auth ? { auth } : {}),
      tls: { rejectUnauthorized: security.rejectUnauthorized, ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) }
    }
    return connection
  })
