import { readFileSync } from "node:fs"
import { join } from "node:path"
import { expect, test } from "bun:test"
import { reportFault } from "../support/fault-report.ts"
import { startIngestLoad, storedIds } from "../support/ingest-load.ts"
import { disposeServer, startServer } from "../support/server-process.ts"

/**
 * The store stops taking writes: another process holds the SQLite write lock for a while (as
 * a stuck backup or maintenance job would). Ingest must answer 503 with Retry-After instead
 * of piling records up in memory, searches keep answering, and once the lock goes, clients
 * that retried have every record stored exactly once (their ids make retries idempotent).
 */

const OUTAGE_MS = 7_000

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024

test("a store that stops taking writes: 503 with Retry-After, bounded memory, searches go on, nothing lost once it returns", async () => {
  const server = await startServer({
    env: { INGEST_ENQUEUE_TIMEOUT_MS: "1000", INGEST_COMMIT_TIMEOUT_MS: "3000", BUS_PARTITION_CAPACITY: "16", RATE_LIMIT_ENABLED: "false" }
  })
  try {
    // A well-behaved shipper: refused batches are sent again (after 200 ms here, to keep the test brief).
    const load = startIngestLoad({ url: () => server.url, service: "outage", resend: true })
    await load.untilAcknowledged(5_000)

    const baseline = rssMiB(server.process.pid)
    const locker = Bun.spawn([process.execPath, join(import.meta.dir, "../support/sqlite-locker.ts"), join(server.dataDir, "logs.db")], { stdout: "pipe" })
    const reader = locker.stdout.getReader()
    expect(new TextDecoder().decode((await reader.read()).value)).toContain("locked")
    const ackedAtLock = load.acknowledged.length

    let peak = baseline
    let searchesOk = 0
    const outageEnds = Date.now() + OUTAGE_MS
    while (Date.now() < outageEnds) {
      peak = Math.max(peak, rssMiB(server.process.pid))
      const search = await fetch(`${server.url}/api/v1/logs/search?service=outage&limit=5`)
      if (search.ok) searchesOk++
      await Bun.sleep(250)
    }
    const unavailable = load.statuses.get(503) ?? 0
    const retryAfter = await fetch(`${server.url}/api/v1/logs`, { method: "POST", body: JSON.stringify({ service: "outage-probe", message: "m" }) })
    locker.kill(9)
    await locker.exited

    // After the store returns, ingest resumes; then the writers stop and everything is counted.
    const resumedFrom = load.acknowledged.length
    await load.untilAcknowledged(resumedFrom + 5_000)
    await load.stop()

    const stored = new Set(await storedIds(server.url, "outage"))
    const missing = load.acknowledged.filter((id) => !stored.has(id)).length
    const summary = `503s=${unavailable} statuses=${JSON.stringify(Object.fromEntries(load.statuses))} acked during outage=${resumedFrom - ackedAtLock} rss baseline=${baseline.toFixed(0)} MiB peak=${peak.toFixed(0)} MiB searches ok=${searchesOk}`
    console.log(`store outage: sent=${load.sent()} acknowledged=${load.acknowledged.length} found=${stored.size} missing=${missing} ${summary}`)
    reportFault({
      fault: `log store write-locked ${OUTAGE_MS / 1000} s`,
      outcome: `${unavailable} × 503 + Retry-After; RSS ${baseline.toFixed(0)}→${peak.toFixed(0)} MiB; searches answered; ${missing} lost`,
      sent: load.sent(),
      acknowledged: load.acknowledged.length,
      found: stored.size
    })

    expect(unavailable).toBeGreaterThan(0)
    expect(retryAfter.status).toBe(503)
    expect(Number(retryAfter.headers.get("retry-after"))).toBeGreaterThan(0)
    expect([...load.statuses.keys()].sort()).toEqual([200, 503])
    expect(searchesOk).toBeGreaterThan(0)
    expect(peak - baseline).toBeLessThan(300)
    expect(missing).toBe(0)
    expect(stored.size).toBe(load.acknowledged.length)
  } finally {
    await disposeServer(server)
  }
})
