import { afterAll, describe, expect, test } from "bun:test"
import { json, useServer } from "../support/server-process.ts"
import { startWebhookReceiver } from "../support/webhook-receiver.ts"

/**
 * A pattern alert end to end: a running LogFlow learns patterns as it indexes, and an error
 * burst of a message never seen before fires a `new_pattern` rule once, through a real webhook
 * receiver, naming the template and linking to exactly its records.
 */

const receiver = startWebhookReceiver()
afterAll(() => receiver.stop())

const server = useServer(() => ({
  env: { ADMIN_PASSWORD: "admin-password-1", ALERT_WEBHOOK_ALLOWED_HOSTS: "127.0.0.1", ALERT_SYNC_INTERVAL_MS: "500", PATTERNS_FLUSH_MS: "1000" }
}))

const api = (path: string, init: RequestInit = {}) => fetch(`${server().url}/api/v1${path}`, init)
const until = async <A>(read: () => A | Promise<A>, done: (a: A) => boolean, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs
  let value = await read()
  while (!done(value) && Date.now() < deadline) {
    await Bun.sleep(100)
    value = await read()
  }
  return value
}
const ingest = async (lines: ReadonlyArray<Record<string, unknown>>) => {
  const response = await api("/logs", {
    method: "POST",
    headers: { "content-type": "application/x-ndjson" },
    body: lines.map((l) => JSON.stringify(l)).join("\n")
  })
  const body = await json(response)
  expect(body.accepted).toBe(lines.length)
  return body
}
/** Firing deliveries, once each (a retried attempt carries the same delivery id). */
const firings = (path: string) => {
  const seen = new Set<string>()
  return receiver
    .received(path)
    .filter((d) => d.json?.event === "alert.firing" && !seen.has(d.headers.get("x-logflow-delivery")!) && seen.add(d.headers.get("x-logflow-delivery")!))
}

describe("pattern alerts end to end", () => {
  test("an error burst of a never-seen message fires new_pattern once, naming the template and linking to its records", async () => {
    const login = await json(api("/auth/login", { method: "POST", body: new URLSearchParams({ username: "admin", password: "admin-password-1" }) }))
    const headers = { authorization: `Bearer ${login.access_token}`, "content-type": "application/json" }

    // Known errors: in the hour before the window, and in it.
    const now = Date.now()
    const known = (at: number, i: number) => ({
      service: "ledger",
      level: "error",
      timestamp: new Date(at).toISOString(),
      message: `Connection reset by peer after ${i}ms`
    })
    await ingest(Array.from({ length: 20 }, (_, i) => known(now - 30 * 60_000 + i, i)))
    await ingest(Array.from({ length: 20 }, (_, i) => known(now - 60_000 + i, i)))
    const learned = await until(
      async () => (await json(api(`/logs/patterns?service=ledger&from=now-1h`))).patterns ?? [],
      (patterns) => patterns.length === 1 && patterns[0].count === 40
    )
    expect(learned.map((p: { template: string }) => p.template)).toEqual(["Connection reset by peer after <DURATION>"])

    const created = await api("/alerts/rules", {
      method: "POST",
      headers,
      body: JSON.stringify({
        name: "New ledger errors",
        condition: "new_pattern",
        threshold: 10,
        time_window: 5,
        baseline: 60,
        levels: ["ERROR"],
        services: ["ledger"],
        notification_channel: "webhook",
        notification_config: { url: `${receiver.url}/new-pattern` },
        evaluation_interval: 1,
        cooldown: 0
      })
    })
    expect(created.status).toBe(201)
    const rule = await json(created)
    expect(rule).toMatchObject({ condition: "new_pattern", baseline: 60 })
    // Known templates fire nothing: wait for evaluations, then check no delivery came.
    await until(
      async () => (await json(api(`/alerts/rules/${rule.id}`, { headers }))).last_evaluated_at,
      (at) => at !== null && Date.parse(at) > Date.now() - 500
    )
    expect(firings("/new-pattern")).toHaveLength(0)

    await ingest(Array.from({ length: 25 }, (_, i) => ({ service: "ledger", level: "error", message: `Disk quota exceeded on volume vol-${100 + i}` })))
    const [firing] = await until(
      () => firings("/new-pattern"),
      (d) => d.length > 0
    )
    expect(firing?.json).toMatchObject({
      event: "alert.firing",
      value: 25,
      rule: { id: rule.id, condition: "new_pattern", baseline: 60 },
      alert: { pattern: { service: "ledger", template: "Disk quota exceeded on volume <ID>" } }
    })
    expect(firing!.json.summary).toContain('new pattern "Disk quota exceeded on volume <ID>" (ledger)')

    // The link finds the burst's records, and only them.
    const link = new URL(firing!.json.links.logs)
    const found = await json(api(`/logs/search?${new URLSearchParams({ query: link.searchParams.get("query")!, service: "ledger", limit: "100" })}`))
    expect(found.logs.map((l: { message: string }) => l.message).sort()).toEqual(
      Array.from({ length: 25 }, (_, i) => `Disk quota exceeded on volume vol-${100 + i}`).sort()
    )

    // Later evaluations of the still-open alert send nothing more (cooldown 0: no repeats).
    const firedAt = Date.now()
    await until(
      async () => (await json(api(`/alerts/rules/${rule.id}`, { headers }))).last_evaluated_at,
      (at) => at !== null && Date.parse(at) > firedAt + 3_000
    )
    expect(firings("/new-pattern")).toHaveLength(1)
    const [alert] = (await json(api(`/alerts/triggered?rule_id=${rule.id}`))).alerts
    expect(alert).toMatchObject({ status: "firing", notification_count: 1, pattern: { template: "Disk quota exceeded on volume <ID>" } })
  }, 60_000)
})
