import { loadavg } from "node:os"
import { parseArgs } from "node:util"
import { disposeServer, startServer, type ServerProcess } from "../../test/support/server-process.ts"
import { ndjsonBodies } from "./ndjson-bodies.ts"
import { CpuMeter, logflowCpuSeconds, pidListeningOn, portOf, procCpuSeconds } from "./scale-out-cpu.ts"
import { directBulkLoad } from "./scale-out-direct.ts"
import { fmt, sendNdjson } from "./stats.ts"

/**
 * `bun run bench scale-out [--records 200000] [--batch 1000] [--direct-batch 4000] [--concurrency 8]
 * [--workers 1,2] [--warmup 20000] [--runs 1]`: for each worker count, a direct `_bulk` load of the records
 * into the store (the yardstick), then the api role and that many workers on the Kafka and
 * Elasticsearch (or OpenSearch) named by KAFKA_BOOTSTRAP_SERVERS and ELASTICSEARCH_HOSTS (or
 * OPENSEARCH_HOSTS): the acknowledged rate (Kafka acks=all), the end-to-end rate until every
 * record is in the store, and the CPU seconds each role and engine spent per 1,000 records.
 * Every load uses its own topic, consumer group and index, deleted afterwards.
 */

interface Options {
  readonly total: number
  readonly batch: number
  /** Records per `_bulk` of the direct load. */
  readonly directBatch: number
  readonly concurrency: number
  readonly warmup: number
  readonly kafka: string
  readonly hosts: string
  readonly engine: "elasticsearch" | "opensearch"
  readonly refresh: string
}

const loadAverage = () => fmt(loadavg()[0] ?? Number.NaN, 1)

const node = (hosts: string) => hosts.split(",")[0]!.replace(/\/$/, "")

const storedCount = async (hosts: string, index: string) => {
  const response = await fetch(`${node(hosts)}/${index}/_count?ignore_unavailable=true&allow_no_indices=true`)
  return response.ok ? ((await response.json()) as { count: number }).count : 0
}

const waitForCount = async (hosts: string, index: string, expected: number) => {
  const deadline = Date.now() + 600_000
  let stored = 0
  while ((stored = await storedCount(hosts, index)) < expected && Date.now() < deadline) await Bun.sleep(100)
  return stored
}

const dropRun = async (hosts: string, run: string) => {
  await fetch(`${node(hosts)}/${run}*?ignore_unavailable=true&allow_no_indices=true`, { method: "DELETE" }).catch(() => undefined)
  await fetch(`${node(hosts)}/_index_template/${run}*`, { method: "DELETE" }).catch(() => undefined)
}

/** CPU of an engine process, found by its port; NaN when this machine does not run it. */
const engineReader = (addresses: string) => {
  const pid = pidListeningOn(portOf(addresses))
  return () => (pid === undefined ? Number.NaN : procCpuSeconds(pid))
}

const perThousand = (seconds: number | undefined, records: number) => ((seconds ?? Number.NaN) / records) * 1000

const direct = async (o: Options, bodies: ReadonlyArray<string>) => {
  const run = `bench-direct-${Date.now().toString(36)}`
  const meter = new CpuMeter(new Map([["engine", engineReader(o.hosts)]]))
  try {
    await meter.mark()
    const load = await directBulkLoad({ node: node(o.hosts), index: run, engine: o.engine, refresh: o.refresh }, bodies, o.total, o.directBatch, o.concurrency)
    const cpu = await meter.since()
    return { ...load, rate: load.created / load.seconds, engineCpu: perThousand(cpu.get("engine"), load.created) }
  } finally {
    await dropRun(o.hosts, run)
  }
}

const endToEnd = async (o: Options, workerCount: number, bodies: ReadonlyArray<string>) => {
  const run = `bench-${Date.now().toString(36)}`
  const env = {
    LOG_LEVEL: "warning",
    RATE_LIMIT_ENABLED: "false",
    KAFKA_TOPIC: run,
    KAFKA_DLQ_TOPIC: `${run}.dlq`,
    KAFKA_GROUP_ID: run,
    ELASTICSEARCH_INDEX: run
  }
  const workers: ServerProcess[] = []
  let api: ServerProcess | undefined
  try {
    for (let i = 0; i < workerCount; i++) workers.push(await startServer({ role: "worker", env }))
    api = await startServer({ role: "api", env })
    const apiUrl = api.url
    // Warm-up: the JIT compiles the hot paths, and the consumer group settles, before the clock starts.
    const warmed = o.warmup > 0 ? (await sendNdjson(apiUrl, bodies, o.warmup, o.batch, o.concurrency)).acknowledged : 0
    await waitForCount(o.hosts, run, warmed)
    const meter = new CpuMeter(
      new Map<string, () => Promise<number> | number>([
        ["api", () => logflowCpuSeconds(apiUrl)],
        ["worker", async () => (await Promise.all(workers.map((w) => logflowCpuSeconds(w.url)))).reduce((a, b) => a + b, 0)],
        ["engine", engineReader(o.hosts)],
        ["kafka", engineReader(o.kafka)]
      ])
    )
    await meter.mark()
    const started = performance.now()
    const sent = await sendNdjson(apiUrl, bodies, o.total, o.batch, o.concurrency)
    const stored = (await waitForCount(o.hosts, run, warmed + sent.acknowledged)) - warmed
    const seconds = (performance.now() - started) / 1000
    const cpu = await meter.since()
    return {
      acknowledged: sent.acknowledged,
      failures: sent.failures,
      ackRate: sent.acknowledged / sent.seconds,
      stored,
      seconds,
      rate: stored / seconds,
      cpu: Object.fromEntries([...cpu].map(([role, s]) => [role, perThousand(s, stored)])) as Record<"api" | "worker" | "engine" | "kafka", number>
    }
  } finally {
    for (const p of [api, ...workers]) if (p) await disposeServer(p)
    await dropRun(o.hosts, run)
  }
}

const parse = (argv: ReadonlyArray<string>) =>
  parseArgs({
    args: [...argv],
    options: {
      records: { type: "string" },
      batch: { type: "string" },
      "direct-batch": { type: "string" },
      concurrency: { type: "string" },
      workers: { type: "string" },
      warmup: { type: "string" },
      runs: { type: "string" }
    }
  }).values

export const runScaleOutBench = async (argv: ReadonlyArray<string>) => {
  const values = parse(argv)
  const kafka = process.env.KAFKA_BOOTSTRAP_SERVERS
  const hosts = process.env.ELASTICSEARCH_HOSTS ?? process.env.OPENSEARCH_HOSTS
  if (!kafka || !hosts) {
    console.error("set KAFKA_BOOTSTRAP_SERVERS and ELASTICSEARCH_HOSTS or OPENSEARCH_HOSTS (docs/operations.md: Scale out shows how to start them)")
    process.exit(2)
  }
  const o: Options = {
    total: Number(values.records ?? 200_000),
    batch: Number(values.batch ?? 1000),
    directBatch: Number(values["direct-batch"] ?? 4000),
    concurrency: Number(values.concurrency ?? 8),
    warmup: Number(values.warmup ?? 20_000),
    kafka,
    hosts,
    engine: process.env.ELASTICSEARCH_HOSTS ? "elasticsearch" : "opensearch",
    refresh: process.env.ELASTICSEARCH_REFRESH ?? "wait_for"
  }
  const workerCounts = (values.workers ?? "1,2").split(",").map(Number)
  const runs = Number(values.runs ?? 1)
  const store = o.engine === "elasticsearch" ? "Elasticsearch" : "OpenSearch"
  const bodies = ndjsonBodies(64, o.batch)
  console.log(
    `scale-out on ${store}: ${fmt(o.total, 0)} records in NDJSON batches of ${o.batch} (direct: _bulk of ${o.directBatch}), ${o.concurrency} concurrent requests, refresh=${o.refresh}, ${fmt(o.warmup, 0)} warm-up records; load ${loadAverage()}`
  )
  console.log(`CPU seconds per 1,000 records: api, worker (all workers), ${store}, Kafka (engines shared with whatever else runs on them)`)
  for (let r = 1; r <= runs; r++) {
    for (const w of workerCounts) {
      const d = await direct(o, bodies)
      const e = await endToEnd(o, w, bodies)
      console.log(
        `run ${r}, 1 api + ${w} worker(s): direct _bulk ${fmt(d.rate, 0)} records/s (${fmt(d.seconds, 2)} s, ${store} ${fmt(d.engineCpu, 3)} CPU s); ` +
          `acknowledged ${fmt(e.ackRate, 0)} records/s; end to end ${fmt(e.rate, 0)} records/s (${fmt(e.stored, 0)} in ${fmt(e.seconds, 2)} s, ${e.failures} failed requests) = ${fmt((100 * e.rate) / d.rate, 0)}% of direct; ` +
          `CPU s/1,000: api ${fmt(e.cpu.api, 3)}, worker ${fmt(e.cpu.worker, 3)}, ${store} ${fmt(e.cpu.engine, 3)}, Kafka ${fmt(e.cpu.kafka, 3)}; load ${loadAverage()}`
      )
    }
  }
}
