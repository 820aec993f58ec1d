import { expect, test } from "bun:test"
import { ulid } from "../../src/domain/ulid.ts"
import { reportFault } from "../support/fault-report.ts"
import { type ServerProcess, json, removeDataDir, startServer, stopServer } from "../support/server-process.ts"

/**
 * Nothing acknowledged may be lost: writers ingest continuously, the server is killed with
 * SIGKILL mid-stream, restarted on the same DATA_DIR, and every id whose request got a 2xx
 * must be searchable. Ids are chosen by the client so they can be counted.
 */

const WRITERS = 4
const BATCH = 200

const storedIds = async (server: ServerProcess, service: string) => {
  const ids = new Set<string>()
  let cursor: string | null = null
  do {
    const url = `${server.url}/api/v1/logs/search?service=${service}&limit=1000${cursor ? `&cursor=${cursor}` : ""}`
    const page: { logs: Array<{ id: string }>; next_cursor: string | null } = await json(fetch(url))
    for (const log of page.logs) ids.add(log.id)
    cursor = page.next_cursor
  } while (cursor)
  return ids
}

test("kill -9 mid-ingest loses no acknowledged record", async () => {
  const first = await startServer()
  const acknowledged: string[] = []
  let sent = 0
  let failed = 0
  let killed = false

  const writer = async (w: number) => {
    for (let batch = 0; !killed; batch++) {
      const ids = Array.from({ length: BATCH }, () => ulid())
      const body = ids.map((id, i) => JSON.stringify({ id, service: "crash-test", message: `writer ${w} batch ${batch} line ${i}` })).join("\n")
      sent += BATCH
      try {
        const response = await fetch(`${first.url}/api/v1/logs`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body })
        if (response.ok) acknowledged.push(...ids)
        else failed += BATCH
      } catch {
        failed += BATCH // connection reset by the kill: not acknowledged
      }
    }
  }

  const writers = Array.from({ length: WRITERS }, (_, w) => writer(w))
  while (acknowledged.length < 20_000) await Bun.sleep(20)
  first.process.kill(9)
  killed = true
  await first.exited
  await Promise.all(writers)

  const second = await startServer({ dataDir: first.dataDir })
  try {
    const stored = await storedIds(second, "crash-test")
    const lost = acknowledged.filter((id) => !stored.has(id))
    console.log(`kill -9: sent=${sent} acknowledged=${acknowledged.length} failed=${failed} stored=${stored.size} lost=${lost.length}`)
    expect(lost).toEqual([])
    reportFault({ fault: "kill -9 of the process mid-ingest", outcome: `restart on the same data; ${lost.length} acknowledged lost`, sent, acknowledged: acknowledged.length, found: acknowledged.length - lost.length })
    expect(stored.size).toBeGreaterThanOrEqual(acknowledged.length)
  } finally {
    await stopServer(second)
    removeDataDir(first.dataDir)
  }
}, 120_000)
