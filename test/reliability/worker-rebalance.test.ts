import { expect, test } from "bun:test"
import { Kafka, logLevel } from "kafkajs"
import { startIngestLoad, storedIds } from "../support/ingest-load.ts"
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

      // The second worker's arrival starts a rebalance; the first dies in the middle of it: the
      // kill waits until the broker says the group is rebalancing.
      const secondStarting = startServer({ role: "worker", env })
      const stateWhenKilled = await groupStateOnceRebalancing(kafka!, env.KAFKA_GROUP_ID)
      first.process.kill(9)
      const second = await secondStarting
      processes.push(second)
      await first.exited
      await load.untilAcknowledged(load.acknowledged.length + 1_000)
      await load.stop()
      const acknowledged = load.acknowledged
      const sent = load.sent()

      // Counted by id: a count could hide a lost record behind a stored part of a refused batch.
      const missing = async () => {
        const stored = new Set(await storedIds(api.url, { query: `run:${tag}` }))
        return { stored: stored.size, missing: acknowledged.filter((id) => !stored.has(id)) }
      }
      let found = await missing()
      for (let i = 0; i < 120 && found.missing.length > 0; i++) {
        await Bun.sleep(500)
        found = await missing()
      }
      // The dead worker's partitions move once its session times out (KAFKA_SESSION_TIMEOUT_MS).
      const assigned = async () =>
        (await (await fetch(`${second.url}/health`)).json()).details.actors.filter((a: { kind: string }) => a.kind === "partition-consumer").length as number
      let partitions = await assigned()
      for (let i = 0; i < 60 && partitions < 4; i++) {
        await Bun.sleep(500)
        partitions = await assigned()
      }
      console.log(
        `worker killed during rebalance (group ${stateWhenKilled}): sent=${sent} acknowledged=${acknowledged.length} stored=${found.stored} missing=${found.missing.length} survivor partitions=${partitions}`
      )
      reportFault({
        fault: "worker SIGKILLed during a rebalance",
        outcome: `killed while the group was ${stateWhenKilled}; the joining worker took all ${partitions} partitions; ${found.missing.length} acknowledged ids missing`,
        sent,
        acknowledged: acknowledged.length,
        found: acknowledged.length - found.missing.length
      })
      expect(["PreparingRebalance", "CompletingRebalance"]).toContain(stateWhenKilled)
      expect(partitions).toBe(4)
      expect(found.missing).toEqual([])
      // Ids are the Elasticsearch document ids, so a record cannot be stored twice under one id;
      // and nothing but the acknowledged and the resent-refused records carries this run's tag.
      expect(found.stored).toBeLessThanOrEqual(sent)
    } finally {
      for (const p of processes) await disposeServer(p)
      await db.drop()
    }
  },
  180_000
)

/** Polls the broker until the consumer group is rebalancing, and returns the state it saw. */
const groupStateOnceRebalancing = async (brokers: string, groupId: string): Promise<string> => {
  const admin = new Kafka({ brokers: brokers.split(","), logLevel: logLevel.NOTHING }).admin()
  await admin.connect()
  try {
    const deadline = Date.now() + 30_000
    for (;;) {
      const [group] = (await admin.describeGroups([groupId])).groups
      if (group?.state === "PreparingRebalance" || group?.state === "CompletingRebalance" || Date.now() > deadline) return group?.state ?? "unknown"
      await Bun.sleep(20)
    }
  } finally {
    await admin.disconnect()
  }
}
