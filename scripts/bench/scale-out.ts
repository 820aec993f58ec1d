import { parseArgs } from "node:util"
import { disposeServer, startServer, type ServerProcess } from "../../test/support/server-process.ts"
import { ndjsonBodies } from "./ndjson-bodies.ts"
import { fmt, sendNdjson } from "./stats.ts"

/**
 * `bun run bench scale-out [--records 200000] [--batch 1000] [--concurrency 8] [--workers 1]`:
 * the api role and `--workers` worker processes on the Kafka and Elasticsearch (or OpenSearch)
 * named by KAFKA_BOOTSTRAP_SERVERS and ELASTICSEARCH_HOSTS (or OPENSEARCH_HOSTS; scripts/engines/
 * starts them). Measures the acknowledged ingest rate (Kafka acks=all) and the end-to-end rate
 * until every record is in the store. Each run uses its own topic, consumer group and index,
 * deleted afterwards (over plain HTTP: the same REST calls on both engines).
 */

export const runScaleOutBench = async (argv: ReadonlyArray<string>) => {
  const { values } = parseArgs({
    args: [...argv],
    options: { records: { type: "string" }, batch: { type: "string" }, concurrency: { type: "string" }, workers: { type: "string" } }
  })
  const total = Number(values.records ?? 200_000)
  const batch = Number(values.batch ?? 1000)
  const concurrency = Number(values.concurrency ?? 8)
  const workerCount = Number(values.workers ?? 1)
  const kafka = process.env.KAFKA_BOOTSTRAP_SERVERS
  const engine = process.env.ELASTICSEARCH_HOSTS ? "Elasticsearch" : "OpenSearch"
  const hosts = process.env.ELASTICSEARCH_HOSTS ?? process.env.OPENSEARCH_HOSTS
  if (!kafka || !hosts) {
    console.error("set KAFKA_BOOTSTRAP_SERVERS and ELASTICSEARCH_HOSTS or OPENSEARCH_HOSTS (docs/operations.md: Scale out shows how to start them)")
    process.exit(2)
  }
  const node = hosts.split(",")[0]!.replace(/\/$/, "")

  const run = `bench-${Date.now().toString(36)}`
  const env = {
    LOG_LEVEL: "warning",
    RATE_LIMIT_ENABLED: "false",
    KAFKA_TOPIC: run,
    KAFKA_DLQ_TOPIC: `${run}.dlq`,
    KAFKA_GROUP_ID: run,
    ELASTICSEARCH_INDEX: run
  }
  const bodies = ndjsonBodies(64, batch)
  const processes: ServerProcess[] = []
  try {
    for (let i = 0; i < workerCount; i++) processes.push(await startServer({ role: "worker", env }))
    const api = await startServer({ role: "api", env })
    processes.push(api)
    console.log(
      `scale-out on ${engine}: ${fmt(total, 0)} records in NDJSON batches of ${batch}, ${concurrency} concurrent requests, 1 api + ${workerCount} worker(s)`
    )
    const started = performance.now()
    const { acknowledged, failures, seconds: acked } = await sendNdjson(api.url, bodies, total, batch, concurrency)
    console.log(
      `  acknowledged (acks=all): ${fmt(acknowledged / acked, 0)} records/s (${fmt(acknowledged, 0)} in ${fmt(acked, 2)} s, ${failures} failed requests)`
    )
    const count = async () => {
      const response = await fetch(`${node}/${run}/_count?ignore_unavailable=true&allow_no_indices=true`)
      return response.ok ? ((await response.json()) as { count: number }).count : 0
    }
    const deadline = Date.now() + 600_000
    let stored = 0
    while ((stored = await count()) < acknowledged && Date.now() < deadline) await Bun.sleep(250)
    const indexed = (performance.now() - started) / 1000
    console.log(`  in ${engine}: ${fmt(stored / indexed, 0)} records/s end to end (${fmt(stored, 0)} in ${fmt(indexed, 2)} s)`)
  } finally {
    for (const p of processes) await disposeServer(p)
    await fetch(`${node}/${run}*?ignore_unavailable=true&allow_no_indices=true`, { method: "DELETE" }).catch(() => undefined)
    await fetch(`${node}/_index_template/${run}`, { method: "DELETE" }).catch(() => undefined)
  }
}
