import { createHash, randomBytes, timingSafeEqual } from "node:crypto"
import { Packr } from "msgpackr"

/**
 * The forward protocol's shared-key handshake: on connect the server sends
 * `["HELO", {nonce, auth: "", keepalive: true}]`; the sender answers
 * `["PING", client_hostname, salt, sha512_hex(salt + client_hostname + nonce + key), user, password]`
 * and the server, if the digest is right, `["PONG", true, "", server_hostname,
 * sha512_hex(salt + server_hostname + nonce + key)]`, which proves to the sender that the
 * server holds the key too. Until then no event is taken. Users and passwords (the `auth`
 * salt) are not asked for: LogFlow's credentials are API keys, which this protocol cannot carry.
 */

const packr = new Packr({ useRecords: false })

export interface Handshake {
  readonly nonce: Uint8Array
  /** The HELO to send on connect. */
  readonly helo: Uint8Array
}

export const startHandshake = (): Handshake => {
  const nonce = randomBytes(16)
  return { nonce, helo: packr.pack(["HELO", { nonce, auth: "", keepalive: true }]) }
}

const bytesOf = (v: unknown): Uint8Array | undefined => (v instanceof Uint8Array ? v : typeof v === "string" ? Buffer.from(v, "utf8") : undefined)

const digest = (salt: Uint8Array, hostname: string, nonce: Uint8Array, key: string) =>
  createHash("sha512").update(salt).update(hostname).update(nonce).update(key).digest("hex")

const sameText = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b))

/** The PONG for a PING, and whether it admits the sender (a refused one is closed after its PONG). */
export const answerPing = (
  fields: ReadonlyArray<unknown>,
  handshake: Handshake,
  sharedKey: string,
  selfHostname: string
): { readonly admitted: boolean; readonly pong: Uint8Array; readonly reason: string } => {
  const [, clientHostname, saltValue, clientDigest] = fields
  const salt = bytesOf(saltValue)
  const refuse = (reason: string) => ({ admitted: false, reason, pong: packr.pack(["PONG", false, reason, selfHostname, ""]) })
  if (fields.length !== 6 || typeof clientHostname !== "string" || salt === undefined || typeof clientDigest !== "string")
    return refuse("a PING is [PING, hostname, salt, digest, username, password]")
  if (clientHostname === selfHostname) return refuse("the sender's hostname is the server's (FLUENT_FORWARD_SELF_HOSTNAME): one of them is misconfigured")
  if (!sameText(clientDigest, digest(salt, clientHostname, handshake.nonce, sharedKey))) return refuse("shared key mismatch")
  return { admitted: true, reason: "", pong: packr.pack(["PONG", true, "", selfHostname, digest(salt, selfHostname, handshake.nonce, sharedKey)]) }
}

/** `{ack: chunk}`: the events of that chunk are stored. */
export const ackFor = (chunk: string): Uint8Array => packr.pack({ ack: chunk })
