import { type DocumentSecurity, EngineRefused, engineName, hasUrlCredentials, redactHosts, refusal } from "./security.ts"

/**
 * What an error of the Elasticsearch or OpenSearch client means in terms of LogFlow's settings:
 * refused credentials (401), missing privileges (403), a certificate LogFlow does not trust or
 * that names another host, a client certificate the engine (or a TLS proxy before it) wants or
 * refuses, or no answer. Both clients throw a `ResponseError` with `statusCode` and `body` for
 * an answer, and a `ConnectionError` carrying Node's TLS message otherwise.
 */

const HOSTNAME = /altname|hostname|does not match certificate|ERR_TLS_CERT_ALTNAME/i
const UNTRUSTED = /self[- ]signed|unable to verify|unable to get (local )?issuer|certificate (has expired|is not yet valid|verify failed)|CERT_|UNABLE_TO/i
const CLIENT_CERT = /certificate required|bad certificate|unknown ca|handshake failure|alert/i
/** nginx's answers to a request without, or with a refused, client certificate. */
const PROXY_CLIENT_CERT = /no required ssl certificate|ssl certificate error/i

const MAX_REASON = 300

/** The engine's own words for an answer, without markup, bounded. */
const reasonOf = (body: unknown): string => {
  const error = (body as { error?: { reason?: unknown; type?: unknown } | string } | undefined)?.error
  const text =
    typeof error === "object" && error !== null
      ? String(error.reason ?? error.type ?? "")
      : typeof error === "string"
        ? error
        : typeof body === "string"
          ? (/<title>([^<]*)<\/title>/i.exec(body)?.[1] ?? body.replace(/<[^>]*>/g, " "))
          : ""
  return text.replace(/\s+/g, " ").trim().slice(0, MAX_REASON)
}

/** Which settings hold the credentials LogFlow sent. */
const credentialSettings = (security: DocumentSecurity, hosts: ReadonlyArray<string>) => {
  const s = security.settings
  if (security.apiKey) return `${s}_API_KEY`
  if (security.username) return `${s}_USERNAME and ${s}_PASSWORD`
  if (hasUrlCredentials(hosts)) return `the user and password in ${s}_HOSTS`
  if (security.certFile) return `${s}_CERT_FILE (the client certificate is not mapped to a user)`
  const apiKey = s === "ELASTICSEARCH" ? `${s}_API_KEY, or ` : ""
  return `${apiKey}${s}_USERNAME and ${s}_PASSWORD (none is set)`
}

const answered = (status: number, body: unknown, security: DocumentSecurity, hosts: ReadonlyArray<string>): EngineRefused => {
  const name = engineName(security.settings)
  const s = security.settings
  const says = `${name} says: ${reasonOf(body)}`
  if (status === 401) return refusal("authentication", `${name} refused the credentials (401): check ${credentialSettings(security, hosts)}`, says)
  if (status === 403)
    return refusal(
      "authorisation",
      `${name} accepted the credentials but refuses the request (403): give the user of ${credentialSettings(security, hosts)} the privileges docs/operations.md lists`,
      says
    )
  if (status === 400 && PROXY_CLIENT_CERT.test(reasonOf(body)))
    return refusal(
      "certificate",
      security.certFile
        ? `${name} did not accept the client certificate in ${s}_CERT_FILE`
        : `${name} wants a client certificate: set ${s}_CERT_FILE and ${s}_KEY_FILE`,
      says
    )
  return refusal("error", `${name} answered ${status}`, says)
}

const notAnswered = (detail: string, security: DocumentSecurity, hosts: ReadonlyArray<string>): EngineRefused => {
  const name = engineName(security.settings)
  const s = security.settings
  const where = `${s}_HOSTS=${redactHosts(hosts)}: ${detail}`
  if (HOSTNAME.test(detail)) return refusal("certificate", `${name}'s certificate does not name the host in ${s}_HOSTS: use a name it was made for`, where)
  if (UNTRUSTED.test(detail)) {
    const trust = security.caFile
      ? `${s}_CA_FILE holds no CA that signed it`
      : security.caFingerprint
        ? `it is no longer signed by the CA of ${s}_CA_FINGERPRINT`
        : `set ${s}_CA_FILE to the CA that signed it, or ${s}_CA_FINGERPRINT to that CA's SHA-256`
    return refusal("certificate", `${name}'s certificate is not trusted: ${trust}`, security.caFile ? `${s}_CA_FILE=${security.caFile}; ${where}` : where)
  }
  if (CLIENT_CERT.test(detail))
    return refusal(
      "certificate",
      `${name} ended the TLS handshake: does it want a client certificate (${s}_CERT_FILE and ${s}_KEY_FILE), or refuse the one given?`,
      where
    )
  return refusal("unreachable", `${name} at ${s}_HOSTS did not answer (is it https:// or http://?)`, where)
}

/** The client's error `e` as what is wrong and which setting to look at. */
export const explainEngineError = (e: unknown, security: DocumentSecurity, hosts: ReadonlyArray<string>): EngineRefused => {
  if (e instanceof EngineRefused) return e
  const error = e as { name?: string; message?: string; statusCode?: unknown; body?: unknown; code?: string } | undefined
  if (typeof error?.statusCode === "number" && error.statusCode > 0 && error.name === "ResponseError")
    return answered(error.statusCode, error.body, security, hosts)
  const message = error?.message ?? String(e)
  const detail = `${message}${error?.code && !message.includes(error.code) ? ` (${error.code})` : ""}`.slice(0, MAX_REASON)
  return notAnswered(detail, security, hosts)
}
