import { expect, test } from "bun:test"
import { startIngestLoad } from "../support/ingest-load.ts"
import { isolatedScaleOut, useEngine } from "../support/engines.ts"
import { reportFault } from "../support/fault-report.ts"
import { createTestDatabase, postgresAvailable } from "../support/postgres.ts"
import { disposeServer, type ServerProcess, startServer } from "../support/server-process.ts"

/**
 * A worker is killed (SIGKILL) while the consumer group rebalances because a second worker is
 * joining. Ingest goes on through the api the whole time; the joining worker must end up with
 * every partition, and every acknowledged record must be stored exactly once.
 */

const tag = Math.random().toString(36).slice(2, 8)
const deployment = isolatedScaleOut(`rebalance-${tag}`)
const kafka = await useEngine("kafka")
const elasticsearch = await useEngine("elasticsearch", deployment.dropIndex)
const ready = kafka !== undefined && elasticsearch !== undefined && (await postgresAvailable())

test.skipIf(!ready)(
  "a worker killed during a rebalance: its partitions are taken over, nothing lost or stored twice",
  async () => {
    const db = await createTestDatabase()
    const env = {
      ...deployment.env({ kafka: kafka!, elasticsearch: elasticsearch!, databaseUrl: db.url }),
      // The check compares the search total with what was acknowledged: count exactly.
      SEARCH_COUNT_CAP: "10000000"
    }
    const processes: ServerProcess[] = []
    try {
      const first = await startServer({ role: "worker", env })
      processes.push(first)
      const api = await startServer({ role: "api", env })
      processes.push(api)

      const load = startIngestLoad({ url: () => api.url, service: "rebalance", services: 8, writers: 2, batch: 50, resend: true, fields: { run: tag } })
      await load.untilAcknowledged(1_000)

      // The second worker's arrival starts a rebalance; the first dies in the middle of it.
      const second = await startServer({ role: "worker", env })
      processes.push(second)
      first.process.kill(9)
      await first.exited
      await load.untilAcknowledged(load.acknowledged.length + 1_000)
      await load.stop()
      const acknowledged = load.acknowledged
      const sent = load.sent()

      const stored = async () => {
        const response = await fetch(`${api.url}/api/v1/logs/search?query=${encodeURIComponent(`run:${tag}`)}&limit=1`)
        return (await response.json()).total as number
      }
      let total = await stored()
      for (let i = 0; i < 120 && total < acknowledged.length; i++) {
        await Bun.sleep(500)
        total = await stored()
      }
      // The dead worker's partitions move once its session times out (KAFKA_SESSION_TIMEOUT_MS).
      const assigned = async () =>
        (await (await fetch(`${second.url}/health`)).json()).details.actors.filter((a: { kind: string }) => a.kind === "partition-consumer").length as number
      let partitions = await assigned()
      for (let i = 0; i < 60 && partitions < 4; i++) {
        await Bun.sleep(500)
        partitions = await assigned()
      }
      console.log(`worker killed during rebalance: sent=${sent} acknowledged=${acknowledged.length} stored=${total} survivor partitions=${partitions}`)
      reportFault({
        fault: "worker SIGKILLed during a rebalance",
        outcome: `the joining worker took all ${partitions} partitions; ${acknowledged.length - Math.min(total, acknowledged.length)} lost, ${Math.max(0, total - acknowledged.length)} stored twice`,
        sent,
        acknowledged: acknowledged.length,
        found: total
      })
      expect(partitions).toBe(4)
      // Ids are the Elasticsearch document ids: the count equals the acknowledged set only if none is missing or doubled.
      expect(total).toBe(acknowledged.length)
    } finally {
      for (const p of processes) await disposeServer(p)
      await db.drop()
    }
  },
  180_000
)
