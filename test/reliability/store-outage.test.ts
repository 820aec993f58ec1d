import { readFileSync } from "node:fs"
import { join } from "node:path"
import { expect, test } from "bun:test"
import { ulid } from "../../src/domain/ulid.ts"
import { reportFault } from "../support/fault-report.ts"
import { disposeServer, json, type ServerProcess, startServer } from "../support/server-process.ts"

/**
 * The store stops taking writes: another process holds the SQLite write lock for a while (as
 * a stuck backup or maintenance job would). Ingest must answer 503 with Retry-After instead
 * of piling records up in memory, searches keep answering, and once the lock goes, clients
 * that retried have every record stored exactly once (their ids make retries idempotent).
 */

const WRITERS = 4
const BATCH = 100
const OUTAGE_MS = 7_000

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024

const countStored = async (server: ServerProcess, ids: ReadonlyArray<string>) => {
  const found = new Set<string>()
  let cursor: string | null = null
  do {
    const page: { logs: Array<{ id: string }>; next_cursor: string | null } =
      await json(fetch(`${server.url}/api/v1/logs/search?service=outage&limit=1000${cursor ? `&cursor=${cursor}` : ""}`))
    for (const log of page.logs) found.add(log.id)
    cursor = page.next_cursor
  } while (cursor)
  return { found: found.size, missing: ids.filter((id) => !found.has(id)).length }
}

test("a store that stops taking writes: 503 with Retry-After, bounded memory, searches go on, nothing lost once it returns", async () => {
  const server = await startServer({
    env: { INGEST_ENQUEUE_TIMEOUT_MS: "1000", INGEST_COMMIT_TIMEOUT_MS: "3000", BUS_PARTITION_CAPACITY: "16", RATE_LIMIT_ENABLED: "false" }
  })
  try {
    const acknowledged: string[] = []
    const statuses = new Map<number, number>()
    let retryAfterMissing = 0
    let sent = 0
    let stopping = false

    const writer = async (w: number) => {
      for (let batch = 0; !stopping; batch++) {
        const ids = Array.from({ length: BATCH }, () => ulid())
        const body = ids.map((id, i) => JSON.stringify({ id, service: "outage", message: `writer ${w} batch ${batch} line ${i}` })).join("\n")
        sent += BATCH
        // A well-behaved shipper: the same body again after Retry-After (shortened here to keep the test brief).
        for (;;) {
          const response = await fetch(`${server.url}/api/v1/logs`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body })
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1)
          await response.arrayBuffer()
          if (response.ok) {
            acknowledged.push(...ids)
            break
          }
          if (!response.headers.get("retry-after")) retryAfterMissing++
          await Bun.sleep(Math.min(Number(response.headers.get("retry-after") ?? 1), 0.5) * 1000)
        }
      }
    }
    const writers = Array.from({ length: WRITERS }, (_, w) => writer(w))
    while (acknowledged.length < 5_000) await Bun.sleep(20)

    const baseline = rssMiB(server.process.pid)
    const locker = Bun.spawn([process.execPath, join(import.meta.dir, "../support/sqlite-locker.ts"), join(server.dataDir, "logs.db")], { stdout: "pipe" })
    const reader = locker.stdout.getReader()
    expect(new TextDecoder().decode((await reader.read()).value)).toContain("locked")
    const ackedAtLock = acknowledged.length

    let peak = baseline
    let searchesOk = 0
    const outageEnds = Date.now() + OUTAGE_MS
    while (Date.now() < outageEnds) {
      peak = Math.max(peak, rssMiB(server.process.pid))
      const search = await fetch(`${server.url}/api/v1/logs/search?service=outage&limit=5`)
      if (search.ok) searchesOk++
      await Bun.sleep(250)
    }
    const unavailable = (statuses.get(503) ?? 0)
    locker.kill(9)
    await locker.exited

    // After the store returns, ingest resumes; then the writers stop and everything is counted.
    const resumedFrom = acknowledged.length
    while (acknowledged.length < resumedFrom + 5_000) await Bun.sleep(20)
    stopping = true
    await Promise.all(writers)

    const { found, missing } = await countStored(server, acknowledged)
    const summary = `503s=${unavailable} statuses=${JSON.stringify(Object.fromEntries(statuses))} acked during outage=${resumedFrom - ackedAtLock} rss baseline=${baseline.toFixed(0)} MiB peak=${peak.toFixed(0)} MiB searches ok=${searchesOk}`
    console.log(`store outage: sent=${sent} acknowledged=${acknowledged.length} found=${found} missing=${missing} ${summary}`)
    reportFault({
      fault: `log store write-locked ${OUTAGE_MS / 1000} s`,
      outcome: `${unavailable} × 503 + Retry-After; RSS ${baseline.toFixed(0)}→${peak.toFixed(0)} MiB; searches answered; ${missing} lost`,
      sent,
      acknowledged: acknowledged.length,
      found
    })

    expect(unavailable).toBeGreaterThan(0)
    expect(retryAfterMissing).toBe(0)
    expect([...statuses.keys()].sort()).toEqual([200, 503])
    expect(searchesOk).toBeGreaterThan(0)
    expect(peak - baseline).toBeLessThan(300)
    expect(missing).toBe(0)
    expect(found).toBe(acknowledged.length)
  } finally {
    await disposeServer(server)
  }
})
