import { describe, expect, test } from "bun:test"
import { postPinned } from "../../../src/alerting/pinned-post.ts"
import { checkTarget, isPublicAddress, parseAllowList, refusedTarget } from "../../../src/alerting/ssrf-guard.ts"

describe("webhook target guard", () => {
  test.each([
    ["127.0.0.1", false],
    ["10.20.30.40", false],
    ["172.16.0.1", false],
    ["172.31.255.255", false],
    ["192.168.1.1", false],
    ["169.254.169.254", false],
    ["100.64.0.1", false],
    ["0.0.0.0", false],
    ["224.0.0.1", false],
    ["::1", false],
    ["::", false],
    ["fd00::1", false],
    ["fe80::1", false],
    ["::ffff:127.0.0.1", false],
    ["::ffff:10.0.0.1", false],
    ["8.8.8.8", true],
    ["172.32.0.1", true],
    ["93.184.216.34", true],
    ["2606:4700:4700::1111", true],
    ["::ffff:8.8.8.8", true]
  ])("%s is public: %p", (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected)
  })

  test("refuses internal targets, odd schemes and credentials; the allow list opens hosts and ranges", async () => {
    const none = parseAllowList("")
    expect(await refusedTarget("http://127.0.0.1:8000/api", none)).toContain("private or loopback")
    expect(await refusedTarget("http://localhost/hook", none)).toContain("private or loopback")
    expect(await refusedTarget("http://[::1]/hook", none)).toContain("private or loopback")
    expect(await refusedTarget("http://2130706433/hook", none)).toContain("private or loopback") // 127.0.0.1 as a number
    expect(await refusedTarget("file:///etc/passwd", none)).toBe("must be an http:// or https:// URL")
    expect(await refusedTarget("https://user:pw@example.com/", none)).toContain("credentials")
    expect(await refusedTarget("not a url", none)).toBe("is not a valid URL")
    expect(await refusedTarget("https://8.8.8.8/hook", none)).toBeUndefined()

    expect(await refusedTarget("http://127.0.0.1:9/x", parseAllowList("127.0.0.1"))).toBeUndefined()
    expect(await refusedTarget("http://10.1.2.3/x", parseAllowList("10.0.0.0/8"))).toBeUndefined()
    expect(await refusedTarget("http://10.1.2.3/x", parseAllowList("10.1.0.0/24"))).toContain("private or loopback")
    expect(await refusedTarget("http://localhost/x", parseAllowList("localhost"))).toBeUndefined()
    expect(await refusedTarget("http://192.168.0.1/x", parseAllowList("*"))).toBeUndefined()
  })
})

describe("resolve once, connect to what was checked", () => {
  test("every address a name resolves to must pass, and the first is the one to connect to", async () => {
    const none = parseAllowList("")
    const answers = (list: string[]) => async () => list.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }))
    const target = await checkTarget("https://hooks.example/x", none, answers(["8.8.8.8", "2606:4700:4700::1111"]))
    expect(typeof target === "string" ? target : target.address).toBe("8.8.8.8")
    expect(await checkTarget("https://hooks.example/x", none, answers(["8.8.8.8", "10.0.0.5"]))).toContain("10.0.0.5")
    expect(await checkTarget("https://hooks.example/x", none, answers(["::ffff:0:7f00:1"]))).toContain("private or loopback")
    expect(await checkTarget("https://hooks.example/x", none, answers([]))).toContain("does not resolve")
  })

  test("a name that resolves to another address after the check is still called at the checked one", async () => {
    const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (r) => new Response(r.headers.get("host")) })
    let lookups = 0
    // The first answer is the one checked; a rebinding resolver would answer something else next.
    const rebinding = async () => [{ address: lookups++ === 0 ? "127.0.0.1" : "10.255.255.1", family: 4 }]
    try {
      const target = await checkTarget(`http://hooks.example:${server.port}/x`, parseAllowList("127.0.0.1"), rebinding)
      if (typeof target === "string") throw new Error(target)
      expect(await postPinned(target, "{}", {}, 2_000)).toBe(200)
      expect(lookups).toBe(1)
    } finally {
      server.stop(true)
    }
  })

  test("a redirect is an answer, never followed", async () => {
    let followed = false
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (r) => {
        if (new URL(r.url).pathname === "/inside") followed = true
        return new Response(null, { status: 302, headers: { location: "/inside" } })
      }
    })
    try {
      const target = await checkTarget(`http://127.0.0.1:${server.port}/hook`, parseAllowList("127.0.0.1"))
      if (typeof target === "string") throw new Error(target)
      expect(await postPinned(target, "{}", {}, 2_000)).toBe(302)
      expect(followed).toBe(false)
    } finally {
      server.stop(true)
    }
  })
})
