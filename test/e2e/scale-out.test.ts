import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test"
import { isolatedScaleOut, useEngine } from "../support/engines.ts"
import { createTestDatabase, postgresAvailable } from "../support/postgres.ts"
import { REDIS_URL, redisAvailable, uniquePrefix } from "../support/redis.ts"
import { disposeServer, json, startServer, type ServerProcess } from "../support/server-process.ts"
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.ts"

// bun applies the preload's default timeout to the first test file only: engines need it here too.
setDefaultTimeout(60_000)

/**
 * Scale-out end to end: the api role, two worker roles and the alerting role as separate processes on Kafka,
 * Elasticsearch, PostgreSQL and Redis. Acknowledged logs become searchable; a worker killed
 * with SIGKILL loses nothing (the other takes its partitions over from the last commit); what
 * is delivered twice is stored once.
 */

const tag = Math.random().toString(36).slice(2, 8)
const deployment = isolatedScaleOut(`e2e-${tag}`)

const kafka = await useEngine("kafka")
const elasticsearch = await useEngine("elasticsearch", deployment.dropIndex)
const ready = kafka !== undefined && elasticsearch !== undefined && (await postgresAvailable()) && (await redisAvailable())

describe.skipIf(!ready)("scale-out: api, workers and alerting on Kafka, Elasticsearch, PostgreSQL, Redis", () => {
  let dropDatabase = async () => {}
  let api: ServerProcess
  let alerting: ServerProcess
  let receiver: WebhookReceiver
  const workers: ServerProcess[] = []
  let env: Record<string, string>

  beforeAll(async () => {
    const db = await createTestDatabase()
    dropDatabase = db.drop
    env = {
      ...deployment.env({ kafka: kafka!, elasticsearch: elasticsearch!, databaseUrl: db.url }),
      REDIS_URL,
      REDIS_KEY_PREFIX: uniquePrefix(),
      ADMIN_PASSWORD: "admin-password-1",
      ALERT_SYNC_INTERVAL_MS: "500",
      ALERT_WEBHOOK_ALLOWED_HOSTS: "127.0.0.1",
      PATTERNS_FLUSH_MS: "1000"
    }
    // Workers first: the api's first records then find a consumer group ready.
    workers.push(await startServer({ role: "worker", env }), await startServer({ role: "worker", env }))
    api = await startServer({ role: "api", env })
    alerting = await startServer({ role: "alerting", env })
    receiver = startWebhookReceiver()
  })

  afterAll(async () => {
    for (const p of [api, alerting, ...workers]) if (p) await disposeServer(p)
    receiver?.stop()
    await dropDatabase()
  })

  const ingest = async (batch: number, size: number) => {
    const lines = Array.from({ length: size }, (_, i) =>
      JSON.stringify({
        service: `svc-${i % 6}`,
        level: i % 10 === 0 ? "error" : "info",
        message: `order ${batch}-${i} shipped`,
        run: tag,
        batch,
        n: batch * 1000 + i
      })
    )
    const response = await fetch(`${api.url}/api/v1/logs`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body: lines.join("\n") })
    const body = await response.json()
    expect({ status: response.status, accepted: body.accepted }).toEqual({ status: 200, accepted: size })
  }

  /** Every stored record's `n`, read through the api role, waiting until `expected` are there. */
  const storedNumbers = async (expected: number) => {
    const deadline = Date.now() + 45_000
    for (;;) {
      const ns: number[] = []
      let cursor: string | undefined
      do {
        const response = await fetch(`${api.url}/api/v1/logs/search?query=${encodeURIComponent(`run:${tag}`)}&limit=1000${cursor ? `&cursor=${cursor}` : ""}`)
        const page = await response.json()
        if (response.status !== 200) throw new Error(`search answered ${response.status}: ${JSON.stringify(page)}`)
        ns.push(...page.logs.map((l: any) => l.attributes.n))
        cursor = page.next_cursor
      } while (cursor)
      if (ns.length >= expected || Date.now() > deadline) return ns
      await Bun.sleep(250)
    }
  }

  test("/health of the api reports every engine in use", async () => {
    const health = await json(fetch(`${api.url}/health`))
    expect(health.status).toBe("healthy")
    expect(["green", "yellow"]).toContain(health.services.elasticsearch)
    expect(health.services).toMatchObject({ kafka: "healthy", log_store: "healthy", log_bus: "healthy", database: "healthy", redis: "healthy" })
  })

  test("acknowledged logs become searchable through the api", async () => {
    await ingest(0, 120)
    const ns = await storedNumbers(120)
    expect(ns.sort((a, b) => a - b)).toEqual(Array.from({ length: 120 }, (_, i) => i))
  })

  test("the workers learn patterns as they index and write them to PostgreSQL, where the api reads them", async () => {
    const deadline = Date.now() + 30_000
    let patterns: Array<{ service: string; template: string; count: number }> = []
    const learned = () => patterns.length === 6 && patterns.every((p) => p.count >= 20)
    while (!learned() && Date.now() < deadline) {
      await Bun.sleep(250)
      patterns = (await json(fetch(`${api.url}/api/v1/logs/patterns?from=now-1h&limit=100`))).patterns
    }
    expect(patterns.map((p) => [p.service, p.template]).sort()).toEqual(
      ["svc-0", "svc-1", "svc-2", "svc-3", "svc-4", "svc-5"].map((service) => [service, "order <*> shipped"])
    )
    // At least once: records a worker rereads after the group rebalances (as the second worker
    // joins) are stored once but counted again.
    for (const p of patterns) expect(p.count).toBeGreaterThanOrEqual(20)
  })

  test("the metrics endpoints aggregate in Elasticsearch; workers export their consumer lag", async () => {
    const overview = await json(fetch(`${api.url}/api/v1/metrics/overview`))
    expect(overview.total_logs).toBe(120)
    expect(overview.levels).toMatchObject({ INFO: 108, ERROR: 12 })
    expect(overview.services.map((s: { service: string }) => s.service).sort()).toEqual(["svc-0", "svc-1", "svc-2", "svc-3", "svc-4", "svc-5"])
    const lag = await Promise.all(
      workers.map(async (w) => (await (await fetch(`${w.url}/metrics`)).text()).match(/^logflow_kafka_consumer_lag\{.*\} \d+$/gm) ?? [])
    )
    // Four partitions between the two workers, one gauge each.
    expect(lag.flat().length).toBe(4)
  })

  test("live tail on the api shows records that workers index, as they are published", async () => {
    const response = await fetch(`${api.url}/api/v1/logs/tail?query=tailme`)
    expect(response.status).toBe(200)
    const reader = response.body!.getReader()
    let text = ""
    const deadline = Date.now() + 20_000
    try {
      // The api's follower reads from when the first tail opens, once it has joined: send until one arrives.
      // One read at a time: a read given up on would still take the next chunk.
      let pending: ReturnType<typeof reader.read> | undefined
      while (!text.includes("event: log") && Date.now() < deadline) {
        await fetch(`${api.url}/api/v1/logs`, { method: "POST", body: JSON.stringify({ service: "tail-svc", message: `tailme ${tag}` }) })
        pending ??= reader.read()
        const chunk = await Promise.race([pending, Bun.sleep(1_000).then(() => undefined)])
        if (chunk === undefined) continue
        pending = undefined
        if (chunk.value) text += new TextDecoder().decode(chunk.value)
      }
    } finally {
      await reader.cancel()
    }
    expect(text).toContain("event: log")
    expect(text).toContain(`tailme ${tag}`)
  })

  test("the alerting process evaluates a rule created through the api against Elasticsearch and notifies", async () => {
    const login = await json(
      fetch(`${api.url}/api/v1/auth/login`, { method: "POST", body: new URLSearchParams({ username: "admin", password: "admin-password-1" }) })
    )
    const headers = { authorization: `Bearer ${login.access_token}`, "content-type": "application/json" }
    const created = await fetch(`${api.url}/api/v1/alerts/rules`, {
      method: "POST",
      headers,
      body: JSON.stringify({
        name: `errors ${tag}`,
        condition: "greater_than",
        threshold: 2,
        time_window: 5,
        levels: ["error"],
        services: [`alerts-${tag}`],
        notification_channel: "webhook",
        notification_config: { url: `${receiver.url}/scale-out` },
        evaluation_interval: 1
      })
    })
    expect(created.status).toBe(201)
    const lines = [1, 2, 3].map((i) => JSON.stringify({ service: `alerts-${tag}`, level: "error", message: `payment failed ${i}` })).join("\n")
    expect((await fetch(`${api.url}/api/v1/logs`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body: lines })).status).toBe(200)

    const deadline = Date.now() + 30_000
    while (receiver.received("/scale-out").length === 0 && Date.now() < deadline) await Bun.sleep(100)
    expect(receiver.received("/scale-out")[0]?.json).toMatchObject({ event: "alert.firing", value: 3 })
    expect((await json(fetch(`${alerting.url}/health`))).details.alerting).toEqual({ leader: true, evaluators: 1 })
    // The api and the workers do not evaluate.
    expect((await json(fetch(`${api.url}/health`))).details.alerting.leader).toBe(false)
  })

  test("a worker killed with SIGKILL loses nothing: its partitions are taken over, and redelivered records are stored once", async () => {
    const victim = workers[0]!
    // The group has spread the partitions over both workers.
    for (const worker of workers) {
      const health = await json(fetch(`${worker.url}/health`))
      expect(health.details.actors.filter((a: any) => a.kind === "partition-consumer").length).toBeGreaterThan(0)
    }
    await ingest(1, 200)
    victim.process.kill(9)
    await victim.exited
    for (let b = 2; b < 6; b++) await ingest(b, 100)
    const expected = [
      ...Array.from({ length: 120 }, (_, i) => i),
      ...Array.from({ length: 200 }, (_, i) => 1000 + i),
      ...[2, 3, 4, 5].flatMap((b) => Array.from({ length: 100 }, (_, i) => b * 1000 + i))
    ]
    const ns = await storedNumbers(expected.length)
    // Exactly the acknowledged records: none lost, none twice.
    expect(ns.sort((a, b) => a - b)).toEqual(expected)
    // The survivor consumes every partition now.
    const survivor = await json(fetch(`${workers[1]!.url}/health`))
    expect(survivor.details.actors.filter((a: any) => a.kind === "partition-consumer").length).toBe(4)
    await Bun.sleep(2_000)
    expect((await storedNumbers(expected.length)).length).toBe(expected.length)
  })
})
