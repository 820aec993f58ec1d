import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { expect, test } from "bun:test"
import { ulid } from "../../src/domain/ulid.ts"
import { reportFault } from "../support/fault-report.ts"
import { disposeServer, json, type ServerProcess, startServer } from "../support/server-process.ts"

/**
 * The Kafka broker restarts under load. LogFlow runs with the bus on a broker of this test's
 * own (stopped and started again in the same directory, so it keeps its data and port) and the
 * embedded store. Writers keep sending with their own ids and resend what got a 503; every
 * record acknowledged must end up in the store exactly once.
 */

const ROOT = join(import.meta.dir, "../..")
const WRITERS = 4
const BATCH = 100

const kafka = (...args: string[]) => {
  const result = Bun.spawnSync(["bash", join(ROOT, "scripts/engines/kafka.sh"), ...args], { stdout: "pipe", stderr: "pipe" })
  if (result.exitCode !== 0) throw new Error(`kafka.sh ${args.join(" ")} failed:\n${result.stderr.toString()}`)
  return result.stdout.toString().trim().split("\n").at(-1)!
}

const fetched = Bun.spawnSync(["bash", join(ROOT, "scripts/engines/fetch.sh"), "kafka"], { stdout: "pipe", stderr: "pipe" }).exitCode === 0
if (!fetched && process.env.CI) throw new Error("Kafka is required in CI: scripts/engines/fetch.sh kafka failed")
if (!fetched) console.warn("skipping the Kafka restart test: Kafka could not be fetched")

const storedIds = async (server: ServerProcess) => {
  const ids: string[] = []
  let cursor: string | null = null
  do {
    const page: { logs: Array<{ id: string }>; next_cursor: string | null } =
      await json(fetch(`${server.url}/api/v1/logs/search?service=broker-restart&limit=1000${cursor ? `&cursor=${cursor}` : ""}`))
    ids.push(...page.logs.map((l) => l.id))
    cursor = page.next_cursor
  } while (cursor)
  return ids
}

test.skipIf(!fetched)("a Kafka broker restart under load: no acknowledged record lost, none stored twice", async () => {
  const dir = mkdtempSync(join(tmpdir(), "logflow-kafka-restart-"))
  const brokers = kafka("start", "--dir", dir)
  let server: ServerProcess | undefined
  try {
    server = await startServer({
      env: { KAFKA_BOOTSTRAP_SERVERS: brokers, KAFKA_PARTITIONS: "4", KAFKA_COMMIT_INTERVAL_MS: "200", INGEST_COMMIT_TIMEOUT_MS: "5000", RATE_LIMIT_ENABLED: "false" }
    })
    const url = server.url
    const acknowledged: string[] = []
    const statuses = new Map<number | string, number>()
    let sent = 0
    let stopping = false
    const writer = async (w: number) => {
      for (let batch = 0; !stopping; batch++) {
        const ids = Array.from({ length: BATCH }, () => ulid())
        const body = ids.map((id, i) => JSON.stringify({ id, service: "broker-restart", message: `writer ${w} batch ${batch} line ${i}` })).join("\n")
        sent += BATCH
        // Resend the same records until they are acknowledged: their ids make it idempotent.
        for (;;) {
          const status = await fetch(`${url}/api/v1/logs`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body })
            .then(async (r) => (await r.arrayBuffer(), r.status), () => "connection error")
          statuses.set(status, (statuses.get(status) ?? 0) + 1)
          if (status === 200) {
            acknowledged.push(...ids)
            break
          }
          await Bun.sleep(200)
        }
      }
    }
    const writers = Array.from({ length: WRITERS }, (_, w) => writer(w))
    while (acknowledged.length < 2_000) await Bun.sleep(20)

    kafka("stop", "--dir", dir)
    await Bun.sleep(3_000)
    const ackedWhileDown = acknowledged.length
    kafka("start", "--dir", dir)
    const restartedAt = acknowledged.length
    const deadline = Date.now() + 60_000
    while (acknowledged.length < restartedAt + 1_000 && Date.now() < deadline) await Bun.sleep(50)
    stopping = true
    await Promise.all(writers)

    // Acknowledged means on the broker; the store gets them once the consumers catch up.
    let ids = await storedIds(server)
    for (let i = 0; i < 120 && new Set(ids).size < acknowledged.length; i++) {
      await Bun.sleep(500)
      ids = await storedIds(server)
    }
    const stored = new Set(ids)
    const lost = acknowledged.filter((id) => !stored.has(id)).length
    const duplicates = ids.length - stored.size
    console.log(`kafka restart: sent=${sent} acknowledged=${acknowledged.length} stored=${ids.length} lost=${lost} duplicates=${duplicates} statuses=${JSON.stringify(Object.fromEntries(statuses))} acked while down=${ackedWhileDown}`)
    reportFault({
      fault: "Kafka broker restarted under load",
      outcome: `${statuses.get(503) ?? 0} × 503 while down; ${lost} lost, ${duplicates} stored twice`,
      sent,
      acknowledged: acknowledged.length,
      found: stored.size
    })
    expect(acknowledged.length).toBeGreaterThan(restartedAt)
    expect(lost).toBe(0)
    expect(duplicates).toBe(0)
  } finally {
    if (server) await disposeServer(server)
    kafka("stop", "--dir", dir)
    rmSync(dir, { recursive: true, force: true })
  }
}, 180_000)
