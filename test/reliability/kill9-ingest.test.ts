import { expect, test } from "bun:test"
import { reportFault } from "../support/fault-report.ts"
import { startIngestLoad, storedIds } from "../support/ingest-load.ts"
import { startServer, stopServer, removeDataDir } from "../support/server-process.ts"

/**
 * Nothing acknowledged may be lost: writers ingest continuously, the server is killed with
 * SIGKILL mid-stream, restarted on the same DATA_DIR, and every id whose request got a 2xx
 * must be searchable. Ids are chosen by the client so they can be counted.
 */

test("kill -9 mid-ingest loses no acknowledged record", async () => {
  const first = await startServer()
  const load = startIngestLoad({ url: () => first.url, service: "crash-test", batch: 200, resend: false })
  await load.untilAcknowledged(20_000)
  first.process.kill(9)
  await first.exited
  await load.stop()

  const second = await startServer({ dataDir: first.dataDir })
  try {
    const stored = new Set(await storedIds(second.url, "crash-test"))
    const lost = load.acknowledged.filter((id) => !stored.has(id))
    console.log(`kill -9: sent=${load.sent()} acknowledged=${load.acknowledged.length} stored=${stored.size} lost=${lost.length}`)
    expect(lost).toEqual([])
    reportFault({
      fault: "kill -9 of the process mid-ingest",
      outcome: `restart on the same data; ${lost.length} acknowledged lost`,
      sent: load.sent(),
      acknowledged: load.acknowledged.length,
      found: load.acknowledged.length - lost.length
    })
    expect(stored.size).toBeGreaterThanOrEqual(load.acknowledged.length)
  } finally {
    await stopServer(second)
    removeDataDir(first.dataDir)
  }
}, 120_000)
