import { describe, expect, test } from "bun:test"
import fc from "fast-check"
import { embeddedIpv4, isPublic, parseAddress } from "../../../src/alerting/ip-address.ts"
import { isPublicAddress } from "../../../src/alerting/ssrf-guard.ts"

const hex = (n: number) => n.toString(16)
const v4Text = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 0xff).join(".")
const high = (n: number) => hex(n >>> 16)
const low = (n: number) => hex(n & 0xffff)

/** Every IPv6 form that carries an IPv4 address, written the ways a URL or resolver may write it. */
const embeddings: ReadonlyArray<[string, (n: number) => string]> = [
  ["mapped", (n) => `::ffff:${v4Text(n)}`],
  ["mapped, hex", (n) => `::ffff:${high(n)}:${low(n)}`],
  ["translated (SIIT)", (n) => `::ffff:0:${high(n)}:${low(n)}`],
  ["compatible", (n) => `::${v4Text(n)}`],
  ["NAT64 well-known", (n) => `64:ff9b::${high(n)}:${low(n)}`],
  ["NAT64 local-use", (n) => `64:ff9b:1::${high(n)}:${low(n)}`],
  ["6to4", (n) => `2002:${high(n)}:${low(n)}::1`],
  ["Teredo client", (n) => `2001:0:4136:e378:8000:63bf:${hex((~n >>> 16) & 0xffff)}:${hex(~n & 0xffff)}`],
  ["Teredo server", (n) => `2001:0:${high(n)}:${low(n)}:8000:63bf:3fff:fdd2`]
]

/** Private, loopback, link-local and other non-public IPv4 blocks as [first address, size]. */
const privateBlocks: ReadonlyArray<[string, number]> = [
  ["0.0.0.0", 2 ** 24],
  ["10.0.0.0", 2 ** 24],
  ["100.64.0.0", 2 ** 22],
  ["127.0.0.0", 2 ** 24],
  ["169.254.0.0", 2 ** 16],
  ["172.16.0.0", 2 ** 20],
  ["192.0.0.0", 256],
  ["192.0.2.0", 256],
  ["192.168.0.0", 2 ** 16],
  ["198.18.0.0", 2 ** 17],
  ["198.51.100.0", 256],
  ["203.0.113.0", 256],
  ["224.0.0.0", 2 ** 28],
  ["240.0.0.0", 2 ** 28]
]
const v4Number = (text: string) => text.split(".").reduce((n, p) => n * 256 + Number(p), 0)
const privateIpv4 = fc.constantFrom(...privateBlocks).chain(([first, size]) => fc.integer({ min: 0, max: size - 1 }).map((i) => v4Number(first) + i))

describe("IP address classification", () => {
  test.each([
    // the forms an attacker used to reach loopback and the metadata address through IPv6
    ["::127.0.0.1", false],
    ["::7f00:1", false],
    ["::ffff:0:7f00:1", false],
    ["::ffff:0:a9fe:a9fe", false],
    ["64:ff9b:1::a9fe:a9fe", false],
    ["64:ff9b::a9fe:a9fe", false],
    ["2002:7f00:1::", false],
    ["fec0::1", false],
    ["fd12:3456::1", false],
    ["fe80::1%eth0", false],
    ["ff02::1", false],
    ["2001:db8::1", false],
    ["3fff::1", false],
    ["100::1", false],
    ["192.0.2.10", false],
    ["198.51.100.7", false],
    ["203.0.113.1", false],
    ["255.255.255.255", false],
    // public ones stay public, in every form
    ["8.8.8.8", true],
    ["::ffff:8.8.8.8", true],
    ["64:ff9b::808:808", true],
    ["2002:808:808::1", true],
    ["2606:4700:4700::1111", true],
    ["2a00:1450:4001:82a::200e", true]
  ])("%s is public: %p", (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected)
  })

  test("text that is not an address is not public", () => {
    for (const text of ["", "localhost", "1.2.3", "::g", "999.1.1.1"]) expect(isPublicAddress(text)).toBe(false)
  })

  test("an IPv4 address is found again inside each embedding", () => {
    fc.assert(
      // From 2: :: and ::1 are the unspecified and loopback addresses, not compatible forms.
      fc.property(fc.integer({ min: 2, max: 2 ** 32 - 1 }), (n) => {
        for (const [, write] of embeddings.filter(([name]) => name !== "NAT64 local-use")) {
          const carried = embeddedIpv4(parseAddress(write(n))!).map((a) => Number(a.value))
          expect(carried).toContain(n)
        }
      })
    )
  })

  test("every IPv4 address of a private range is refused in every IPv6 embedding", () => {
    fc.assert(
      fc.property(privateIpv4, (n) => {
        expect(isPublicAddress(v4Text(n))).toBe(false)
        for (const [name, write] of embeddings) {
          if (isPublic(parseAddress(write(n))!)) throw new Error(`${v4Text(n)} as ${name} (${write(n)}) passed as public`)
        }
      }),
      { numRuns: 2000 }
    )
  })
})
