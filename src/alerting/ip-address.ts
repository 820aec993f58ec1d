import { isIP } from "node:net"

/**
 * IP addresses as numbers, and which of them are public. An IPv6 address can carry an IPv4
 * address inside it (mapped, compatible, translated, NAT64, 6to4, Teredo); a guard that only
 * looks at the IPv6 ranges lets `[::ffff:0:7f00:1]` or `[2002:7f00:1::]` reach 127.0.0.1
 * through a translator. So every embedded IPv4 address is taken out and judged as well.
 */

export type Family = 4 | 6
export interface Address {
  readonly family: Family
  readonly value: bigint
}
export interface Range {
  readonly family: Family
  readonly base: bigint
  readonly bits: number
}

const ipv4Value = (text: string): bigint => text.split(".").reduce((n, part) => (n << 8n) | BigInt(Number(part)), 0n)

const ipv6Value = (text: string): bigint => {
  let hex = text.toLowerCase()
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(hex)
  if (tail) {
    const n = ipv4Value(tail[1]!)
    hex = `${hex.slice(0, tail.index)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`
  }
  const [head, rest] = hex.split("::") as [string, string | undefined]
  const left = head ? head.split(":") : []
  const right = rest ? rest.split(":") : []
  const groups = rest === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill("0"), ...right]
  return groups.reduce((n, g) => (n << 16n) | BigInt(Number.parseInt(g, 16)), 0n)
}

/** A textual address (brackets and an IPv6 zone allowed), or undefined when it is not one. */
export const parseAddress = (text: string): Address | undefined => {
  const bare = text.replace(/^\[|\]$/g, "").replace(/%.*$/, "")
  const family = isIP(bare)
  if (family === 4) return { family: 4, value: ipv4Value(bare) }
  if (family === 6) return { family: 6, value: ipv6Value(bare) }
  return undefined
}

export const parseRange = (cidr: string): Range | undefined => {
  const [text, prefix] = cidr.split("/") as [string, string | undefined]
  const address = parseAddress(text)
  if (address === undefined) return undefined
  const width = address.family === 4 ? 32 : 128
  const bits = prefix === undefined ? width : Number(prefix)
  if (!/^\d*$/.test(prefix ?? "") || !Number.isInteger(bits) || bits < 0 || bits > width) return undefined
  return { family: address.family, base: address.value, bits }
}

export const inRange = (address: Address, range: Range): boolean => {
  if (address.family !== range.family) return false
  const shift = BigInt((address.family === 4 ? 32 : 128) - range.bits)
  return address.value >> shift === range.base >> shift
}

const ranges = (cidrs: ReadonlyArray<string>) => cidrs.map((cidr) => parseRange(cidr)!)

/** IPv4 special-purpose blocks (IANA registry) that are not globally reachable unicast. */
const IPV4_NOT_PUBLIC = ranges([
  "0.0.0.0/8", // "this network"
  "10.0.0.0/8",
  "100.64.0.0/10", // carrier-grade NAT
  "127.0.0.0/8",
  "169.254.0.0/16", // link-local, cloud metadata services
  "172.16.0.0/12",
  "192.0.0.0/24", // IETF protocol assignments
  "192.0.2.0/24", // documentation
  "192.31.196.0/24", // AS112
  "192.52.193.0/24", // AMT
  "192.88.99.0/24", // 6to4 relay anycast (deprecated)
  "192.168.0.0/16",
  "192.175.48.0/24", // AS112 direct delegation
  "198.18.0.0/15", // benchmarking
  "198.51.100.0/24", // documentation
  "203.0.113.0/24", // documentation
  "224.0.0.0/4", // multicast
  "240.0.0.0/4" // reserved, and the broadcast address
])

/** Only 2000::/3 holds global unicast IPv6; within it, these blocks are not public either. */
const IPV6_GLOBAL_UNICAST = parseRange("2000::/3")!
const IPV6_NOT_PUBLIC = ranges([
  "2001::/23", // IETF protocol assignments, Teredo among them
  "2001:db8::/32", // documentation
  "2002::/16", // 6to4: judged by the IPv4 address it carries
  "3fff::/20", // documentation
  "5f00::/16" // segment routing identifiers
])

/** Prefixes whose addresses carry an IPv4 address in their low 32 bits and reach it when public. */
const LOW_32_EMBEDDINGS = ranges([
  "::ffff:0:0/96", // IPv4-mapped
  "::ffff:0:0:0/96", // IPv4-translated (SIIT)
  "64:ff9b::/96" // NAT64 well-known prefix
])
const IPV4_COMPATIBLE = parseRange("::/96")!
const SIX_TO_FOUR = parseRange("2002::/16")!
const TEREDO = parseRange("2001::/32")!

const ipv4 = (value: bigint): Address => ({ family: 4, value: value & 0xffffffffn })

/**
 * The IPv4 addresses an IPv6 address carries: the low 32 bits of the mapped, translated, NAT64
 * and compatible forms, bits 16–47 of 6to4, and both the server and the (inverted) client
 * address of Teredo. A translator or relay would deliver to any of them.
 */
export const embeddedIpv4 = (address: Address): Address[] => {
  if (address.family === 4) return []
  const v = address.value
  const found: Address[] = []
  if (LOW_32_EMBEDDINGS.some((r) => inRange(address, r)) || (inRange(address, IPV4_COMPATIBLE) && v > 1n)) found.push(ipv4(v))
  if (inRange(address, SIX_TO_FOUR)) found.push(ipv4(v >> 80n))
  if (inRange(address, TEREDO)) found.push(ipv4(v >> 64n), ipv4(~v))
  return found
}

const isPublicIpv4 = (address: Address) => !IPV4_NOT_PUBLIC.some((r) => inRange(address, r))

/**
 * Whether an address is public unicast, judging every IPv4 address it carries too. An IPv6
 * address outside 2000::/3 is public only as a NAT64 or mapped form of a public IPv4 address;
 * site-local (fec0::/10), unique-local, link-local, multicast and the NAT64 local-use prefix
 * (64:ff9b:1::/48) never are.
 */
export const isPublic = (address: Address): boolean => {
  if (address.family === 4) return isPublicIpv4(address)
  const carried = embeddedIpv4(address)
  if (carried.some((a) => !isPublicIpv4(a))) return false
  if (inRange(address, SIX_TO_FOUR)) return true
  if (inRange(address, IPV6_GLOBAL_UNICAST)) return !IPV6_NOT_PUBLIC.some((r) => inRange(address, r))
  return carried.length > 0 && LOW_32_EMBEDDINGS.some((r) => inRange(address, r))
}

/** The address (and every IPv4 address it carries) falls in one of the ranges. */
export const inAnyRange = (address: Address, list: ReadonlyArray<Range>): boolean =>
  [address, ...embeddedIpv4(address)].some((a) => list.some((r) => inRange(a, r)))
