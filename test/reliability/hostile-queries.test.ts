import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { plantLongRuns, wholeRowQuery, wildcardQuery } from "../support/costly-queries.ts"
import { underAttack } from "../support/hostile-load.ts"
import { counterValue } from "../support/ingest.ts"
import { disposeServer, json, type ServerProcess, startServer } from "../support/server-process.ts"

/**
 * Costly queries against the real server, each while a shipper keeps ingesting tagged records
 * and a prober times `GET /health`: searches of 200 wildcard terms over long runs of `a` (199
 * `a*` and `omega*`, the records' last word, so every byte is read: the attack as sent, 200
 * `a*`, now stops at each row's first word), an alert rule with that query evaluated every
 * second, and live tails with 50 wildcard terms during ingest. Reads run on the store's reader threads and every query has its budget, so health
 * stays within 50 ms (median and p99; see hostile-load.ts for how a busy machine is allowed
 * for) and every acknowledged record stays searchable. Live tail matches and streams records on
 * the main thread, bounded per record and subscriber (TAIL_MATCH_BYTES, the subscriber's
 * buffer): its row holds the median to the bound and reports the p99.
 */

const HEALTH_P99_BOUND_MS = 50
const RSS_BOUND_MIB = 256
const bounds = { healthBoundMs: HEALTH_P99_BOUND_MS, rssBoundMiB: RSS_BOUND_MIB }

let server: ServerProcess
// Each test runs twice as long as its attack: the control measurement comes first (hostile-load.ts).
beforeAll(async () => {
  server = await startServer({
    env: {
      RATE_LIMIT_ENABLED: "false",
      // Room for the attack as it was sent: 200 wildcard terms (the default allows 64).
      SEARCH_MAX_WILDCARDS: "256",
      ALERT_SYNC_INTERVAL_MS: "500",
      TAIL_MAX_PER_CLIENT: "10"
    }
  })
  await plantLongRuns(server.url, "runs", 4, 1_000)
}, 120_000)
afterAll(() => disposeServer(server))

const admin = async () => {
  const login = await json(fetch(`${server.url}/api/v1/auth/login`, { method: "POST", body: new URLSearchParams({ username: "admin", password: "admin123" }) }))
  return { authorization: `Bearer ${login.access_token}`, "content-type": "application/json" }
}

/** Clients that repeat a request until stopped, tallying the statuses. */
const repeat = (clients: number, request: () => Promise<Response>) => {
  const statuses = new Map<number, number>()
  let running = true
  const loops = Array.from({ length: clients }, async () => {
    while (running) {
      const response = await request()
      await response.arrayBuffer()
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1)
    }
  })
  return {
    stop: async () => {
      running = false
      await Promise.all(loops)
      return [...statuses].map(([status, n]) => `${n}×${status}`).join(", ")
    }
  }
}

describe("hostile load on what a query costs", () => {
  test(
    "four clients search 200 wildcard terms over long runs of a",
    () =>
      underAttack(
        server,
        {
          name: "search: 199 × a* + omega* over long runs of a, 4 clients",
          durationMs: 5_000,
          start: async () => {
            const query = new URLSearchParams({ query: wholeRowQuery(), limit: "50" })
            const clients = repeat(4, () => fetch(`${server.url}/api/v1/logs/search?${query}`))
            return async () => `searches answered ${await clients.stop()}`
          }
        },
        bounds
      ),
    90_000
  )

  test("an alert rule with that query, evaluated every second", async () => {
    const auth = await admin()
    const before = await counterValue(server.url, "alert_evaluations_total", {})
    await underAttack(
      server,
      {
        name: "alert rule: 199 × a* + omega* every 1 s",
        durationMs: 5_000,
        start: async () => {
          const created = await fetch(`${server.url}/api/v1/alerts/rules`, {
            method: "POST",
            headers: auth,
            body: JSON.stringify({
              name: "costly",
              condition: "greater_than",
              threshold: 1_000_000,
              time_window: 60,
              query: wholeRowQuery(),
              evaluation_interval: 1,
              notification_channel: "console"
            })
          })
          expect(created.status).toBe(201)
          const rule = await json(created)
          return async () => {
            const state = (await json(fetch(`${server.url}/api/v1/alerts/rules/${rule.id}`, { headers: auth }))).state
            const evaluated = Object.fromEntries(
              await Promise.all(
                ["ok", "budget_exceeded"].map(async (result) => [result, await counterValue(server.url, "alert_evaluations_total", { result })] as const)
              )
            )
            expect((await fetch(`${server.url}/api/v1/alerts/rules/${rule.id}`, { method: "DELETE", headers: auth })).ok).toBe(true)
            return `rule ${state}; evaluations ${evaluated.ok} ok, ${evaluated.budget_exceeded} past budget`
          }
        }
      },
      bounds
    )
    expect(before).toBe(0)
  }, 90_000)

  test(
    "five live tails with 50 wildcard terms while long records are ingested",
    () =>
      underAttack(
        server,
        {
          name: "tail: 5 subscribers × 50 a* terms, 4 KiB records",
          durationMs: 5_000,
          start: async () => {
            const query = new URLSearchParams({ query: wildcardQuery(50), service: "tailed" })
            const abort = new AbortController()
            const tails = await Promise.all(Array.from({ length: 5 }, () => fetch(`${server.url}/api/v1/logs/tail?${query}`, { signal: abort.signal })))
            for (const tail of tails) expect(tail.status).toBe(200)
            let received = 0
            let ended = 0
            const readers = tails.map(async (tail) => {
              try {
                for await (const chunk of tail.body!) received += chunk.byteLength
              } catch {
                // Aborted at the end of the attack, or closed by the server: counted below.
              }
              ended++
            })
            const line = JSON.stringify({ service: "tailed", message: `${Array.from({ length: 40 }, () => "a".repeat(100)).join(" ")}` })
            const body = Array.from({ length: 50 }, () => line).join("\n")
            const writers = repeat(2, () => fetch(`${server.url}/api/v1/logs`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body }))
            return async () => {
              const ingested = await writers.stop()
              const endedEarly = ended
              abort.abort()
              await Promise.all(readers)
              return `batches of 50 answered ${ingested}; ${(received / 1024 / 1024).toFixed(1)} MiB streamed to the tails (${endedEarly} ended by the server)`
            }
          }
        },
        // Matching and streaming to tails is main-thread work (bounded per record and subscriber): p99 reported.
        { ...bounds, p99Reported: true }
      ),
    90_000
  )
})
