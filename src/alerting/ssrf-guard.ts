import { lookup } from "node:dns/promises"
import { type Address, type Range, inAnyRange, isPublic, parseAddress, parseRange } from "./ip-address.ts"

/**
 * Webhook URLs are user input: without a guard, a rule could make LogFlow POST to its own
 * internal network (metadata services, databases' HTTP ports, the admin API on loopback).
 * Targets whose address is loopback, private, link-local or otherwise not public (IPv4
 * addresses hidden inside IPv6 forms included) are refused unless ALERT_WEBHOOK_ALLOWED_HOSTS
 * lists them. The check runs when a rule is saved (for a clear 400) and again before every
 * delivery; the delivery then connects to the very address that was checked, so a name that
 * resolves differently a moment later (DNS rebinding) cannot switch it to an internal one.
 */

export interface WebhookAllowList {
  readonly all: boolean
  readonly hosts: ReadonlySet<string>
  readonly ranges: ReadonlyArray<Range>
}

export const parseAllowList = (text: string): WebhookAllowList => {
  const entries = text
    .split(",")
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e !== "")
  const ranges = entries.map(parseRange).filter((r): r is Range => r !== undefined)
  return { all: entries.includes("*"), hosts: new Set(entries), ranges }
}

/** Whether a textual address is public unicast (every IPv4 address it carries judged too). */
export const isPublicAddress = (ip: string) => {
  const address = parseAddress(ip)
  return address !== undefined && isPublic(address)
}

/** A checked target: the URL and the one address the delivery must connect to. */
export interface Target {
  readonly url: URL
  readonly address: string
  readonly family: 4 | 6
}

export type Resolve = (host: string) => Promise<ReadonlyArray<{ address: string; family: number }>>
const systemResolve: Resolve = (host) => lookup(host, { all: true, verbatim: true })

const allowedAddress = (address: Address, allow: WebhookAllowList) => isPublic(address) || inAnyRange(address, allow.ranges)

/**
 * The target a URL may be called at, or why it is refused. The name is resolved once here;
 * every address it resolves to must pass, and the first is the one to connect to.
 */
export const checkTarget = async (url: string, allow: WebhookAllowList, resolve: Resolve = systemResolve): Promise<Target | string> => {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return "is not a valid URL"
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return "must be an http:// or https:// URL"
  if (parsed.username || parsed.password) return "must not contain credentials; put secrets in the path or use the rule's signature"
  const host = parsed.hostname.replace(/^\[|\]$/g, "").toLowerCase()
  const literal = parseAddress(host)
  let resolved: ReadonlyArray<{ address: string; family: number }>
  try {
    resolved = literal ? [{ address: host, family: literal.family }] : await resolve(host)
  } catch {
    return `host '${host}' does not resolve`
  }
  const first = resolved[0]
  if (first === undefined) return `host '${host}' does not resolve`
  const target: Target = { url: parsed, address: first.address, family: first.family === 6 ? 6 : 4 }
  if (allow.all || allow.hosts.has(host)) return target
  const internal = resolved.find((a) => {
    const address = parseAddress(a.address)
    return address === undefined || !allowedAddress(address, allow)
  })
  if (internal === undefined) return target
  return `host '${host}' is a private or loopback address, or not public (${internal.address}); allow it with ALERT_WEBHOOK_ALLOWED_HOSTS`
}

/** Why a target URL is refused, or undefined when it may be called (the check at save time). */
export const refusedTarget = async (url: string, allow: WebhookAllowList, resolve?: Resolve): Promise<string | undefined> => {
  const result = await checkTarget(url, allow, resolve)
  return typeof result === "string" ? result : undefined
}
