import { describe, expect, test } from "bun:test"
import { Drain, templateOf } from "../../../src/domain/drain.ts"
import { maskToken, messageTokens } from "../../../src/domain/message-tokens.ts"
import { ulid } from "../../../src/domain/ulid.ts"
import { adjustedRandIndex, labelledCorpus, TEMPLATES } from "../../support/pattern-corpus.ts"

const drain = (maxClusters = 1_000) => new Drain({ similarity: 0.5, maxClusters, maxChildren: 100, newId: ulid })

describe("message tokens", () => {
  test.each([
    ["3000ms", "<DURATION>"],
    ["1.5s", "<DURATION>"],
    ["10.0.0.7", "<IP>"],
    ["10.0.0.7:8080", "<IP>"],
    ["[2001:db8::1]:443", "<IP>"],
    ["0xdeadbeef", "<HEX>"],
    ["3f9a0c1b", "<HEX>"],
    ["4b1e2c3d-0a1b-4c2d-8e3f-123456789abc", "<UUID>"],
    ["/var/lib/app/x.dat", "<PATH>"],
    ["42", "<NUM>"],
    ["-3.25", "<NUM>"],
    ["97%", "<NUM>"],
    ["ORD-123456", "<ID>"],
    ["status=200", "status=<NUM>"],
    ["(max=50)", "(max=<NUM>)"],
    ["client:", "client:"],
    ["12:30:45", "<TIME>"],
    ["2026-12-07T10:00:00Z", "<TIME>"],
    ["timeout", "timeout"],
    ["db-primary", "db-primary"]
  ])("%s → %s", (token, masked) => {
    expect(maskToken(token)).toBe(masked)
  })

  test("only the first line counts, and a long line is cut to a bounded number of tokens", () => {
    expect(messageTokens("boom at 3ms\n\tat Handler.java:42", 64)).toEqual(["boom", "at", "<DURATION>"])
    const tokens = messageTokens(Array.from({ length: 500 }, (_, i) => `w${i}x`).join(" "), 64)
    expect(tokens).toHaveLength(64)
    expect(tokens.at(-1)).toBe("<*>")
  })
})

describe("Drain", () => {
  test("messages of one template become one cluster with its variable parts as placeholders", () => {
    const d = drain()
    const at = Date.now()
    for (const m of [
      "Retrying connection attempt 1 to db-primary",
      "Retrying connection attempt 3 to db-primary",
      "Retrying connection attempt 2 to db-primary"
    ])
      d.add(messageTokens(m, 64), at, ulid())
    expect(d.size).toBe(1)
    const [cluster] = d.takeChanges().changed
    expect(templateOf(cluster!.tokens)).toBe("Retrying connection attempt <NUM> to db-primary")
    expect(cluster!.count).toBe(3)
  })

  test("recovers the templates of a labelled corpus (adjusted Rand index ≥ 0.9, at most 1.2× as many clusters)", () => {
    const corpus = labelledCorpus(24_000)
    const d = drain()
    const found = corpus.map(({ message }) => d.add(messageTokens(message, 64), 0, "x").id)
    const ari = adjustedRandIndex(
      corpus.map((c) => c.label),
      found
    )
    console.log(`pattern quality: ${TEMPLATES.length} templates, ${d.size} clusters, adjusted Rand index ${ari.toFixed(4)}`)
    expect(ari).toBeGreaterThanOrEqual(0.9)
    expect(d.size).toBeLessThanOrEqual(Math.ceil(TEMPLATES.length * 1.2))
  })

  test("memory is bounded: a million distinct random messages never hold more than the cap", () => {
    const d = drain(500)
    let peak = 0
    for (let i = 0; i < 1_000_000; i++) {
      const words = Array.from({ length: 1 + (i % 7) }, () => Math.random().toString(36).slice(2, 8).replace(/\d/g, ""))
      d.add(messageTokens(words.join(" "), 64), i, "x")
      if (i % 1000 === 0) peak = Math.max(peak, d.size)
    }
    expect(peak).toBeLessThanOrEqual(500)
    expect(d.takeChanges().evicted.length).toBeGreaterThan(0)
  }, 60_000)

  test("a frequent template survives a flood of one-off messages", () => {
    const d = drain(100)
    const frequent = d.add(messageTokens("Health check passed in 3ms", 64), 0, "x")
    for (let i = 0; i < 100; i++) d.add(messageTokens(`Health check passed in ${i}ms`, 64), 0, "x")
    for (let i = 0; i < 10_000; i++) d.add(messageTokens(Math.random().toString(36).replace(/\d/g, "q"), 64), 0, "x")
    expect(d.match(messageTokens("Health check passed in 9ms", 64))?.id).toBe(frequent.id)
  })
})
