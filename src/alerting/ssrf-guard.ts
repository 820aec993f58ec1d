import { lookup } from "node:dns/promises"
import { isIP } from "node:net"

/**
 * Webhook URLs are user input: without a guard, a rule could make LogFlow POST to its own
 * internal network (metadata services, databases' HTTP ports, the admin API on loopback).
 * Targets whose address is loopback, private, link-local or otherwise not public are refused
 * unless ALERT_WEBHOOK_ALLOWED_HOSTS lists them. The check runs when a rule is saved (for a
 * clear 400) and again before every delivery, on the addresses the name resolves to then.
 */

type Range = { readonly family: 4 | 6; readonly base: bigint; readonly bits: number }

const v4 = (ip: string): bigint => ip.split(".").reduce((n, part) => (n << 8n) | BigInt(Number(part)), 0n)

const v6 = (ip: string): bigint => {
  let text = ip.toLowerCase()
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hextets.
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (tail) {
    const n = v4(tail[1]!)
    text = `${text.slice(0, tail.index)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`
  }
  const [head, rest] = text.split("::") as [string, string | undefined]
  const left = head ? head.split(":") : []
  const right = rest ? rest.split(":") : []
  const groups = rest === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill("0"), ...right]
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n)
}

const parseRange = (cidr: string): Range | undefined => {
  const [address, prefix] = cidr.split("/") as [string, string | undefined]
  const family = isIP(address)
  if (family === 0) return undefined
  const width = family === 4 ? 32 : 128
  const bits = prefix === undefined ? width : Number(prefix)
  if (!Number.isInteger(bits) || bits < 0 || bits > width) return undefined
  return { family: family as 4 | 6, base: family === 4 ? v4(address) : v6(address), bits }
}

const inRange = (ip: string, range: Range): boolean => {
  const family = isIP(ip)
  if (family !== range.family) return false
  const width = family === 4 ? 32 : 128
  const shift = BigInt(width - range.bits)
  const value = family === 4 ? v4(ip) : v6(ip)
  return value >> shift === range.base >> shift
}

/** Everything that is not a public unicast address. */
const NOT_PUBLIC = [
  "0.0.0.0/8",
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.0.0.0/24",
  "192.168.0.0/16",
  "198.18.0.0/15",
  "224.0.0.0/3",
  "::/128",
  "::1/128",
  "fc00::/7",
  "fe80::/10",
  "ff00::/8",
  "64:ff9b::/96",
  "2001:db8::/32"
].map((cidr) => parseRange(cidr)!)

/** An IPv4 address written as IPv6 (::ffff:a.b.c.d) is judged as the IPv4 address. */
const unmapped = (ip: string) => {
  if (isIP(ip) !== 6) return ip
  const value = v6(ip)
  if (value >> 32n !== 0xffffn) return ip
  return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join(".")
}

export const isPublicAddress = (ip: string) => {
  const address = unmapped(ip)
  return !NOT_PUBLIC.some((range) => inRange(address, range))
}

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

const allowedAddress = (ip: string, allow: WebhookAllowList) => isPublicAddress(ip) || allow.ranges.some((range) => inRange(unmapped(ip), range))

/** Why a target URL is refused, or undefined when it may be called. Resolves the host name. */
export const refusedTarget = async (url: string, allow: WebhookAllowList): Promise<string | undefined> => {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return "is not a valid URL"
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return "must be an http:// or https:// URL"
  if (parsed.username || parsed.password) return "must not contain credentials; put secrets in the path or use the rule's signature"
  const host = parsed.hostname.replace(/^\[|\]$/g, "").toLowerCase()
  if (allow.all || allow.hosts.has(host)) return undefined
  let addresses: string[]
  try {
    addresses = isIP(host) ? [host] : (await lookup(host, { all: true, verbatim: true })).map((a) => a.address)
  } catch {
    return `host '${host}' does not resolve`
  }
  const internal = addresses.find((a) => !allowedAddress(a, allow))
  return internal === undefined ? undefined : `host '${host}' is a private or loopback address (${internal}); allow it with ALERT_WEBHOOK_ALLOWED_HOSTS`
}
