import { dailyIndex, toDocument } from "../../src/adapters/log-store/document/bulk.ts"
import { type Dialect, ELASTICSEARCH_DIALECT, OPENSEARCH_DIALECT } from "../../src/adapters/log-store/document/query.ts"
import { logsTemplate } from "../../src/adapters/log-store/document/template.ts"
import { normalise } from "../../src/domain/normalise.ts"

/**
 * The yardstick of the scale-out bench: the same records written straight to the store with
 * `_bulk`, as the worker writes them (the same documents, `create` with the record id as `_id`,
 * daily indices under LogFlow's index template, the same `refresh`), `concurrency` requests of
 * `batch` records in flight. With `refresh=wait_for` each request waits for the next refresh,
 * so the rate is about the records in flight per refresh: the bench's default (8 × 4,000)
 * keeps more in flight than one worker does, so the yardstick is the store's, not the client's. Bodies are built before the clock starts, so the figure is the
 * store's own rate on this machine, not the client's.
 */

export interface DirectLoad {
  readonly node: string
  readonly index: string
  readonly engine: "elasticsearch" | "opensearch"
  readonly refresh: string
}

const putTemplate = async (load: DirectLoad, dialect: Dialect) => {
  const { name, ...template } = logsTemplate({
    index: load.index,
    shards: 1,
    replicas: 0,
    fieldLimit: 1_000,
    maxResultWindow: 10_000,
    codec: "best_compression",
    dialect
  })
  const response = await fetch(`${load.node}/_index_template/${name}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(template)
  })
  if (!response.ok) throw new Error(`index template for the direct load: ${response.status} ${await response.text()}`)
}

/** `_bulk` bodies of `batch` records, `total` in all, cycling through the NDJSON bodies the api is sent. */
const bulkBodies = (bodies: ReadonlyArray<string>, total: number, batch: number, index: string, dialect: Dialect) => {
  const out: string[] = []
  let body = ""
  let inBody = 0
  for (let sent = 0, b = 0; sent < total; b++) {
    for (const line of bodies[b % bodies.length]!.split("\n")) {
      if (line === "" || sent >= total) continue
      const normalised = normalise(JSON.parse(line), Date.now())
      if (!normalised.ok) throw new Error(`bench record refused: ${normalised.error}`)
      const r = normalised.record
      body += `${JSON.stringify({ create: { _index: dailyIndex(index, r.timestamp), _id: r.id } })}\n${JSON.stringify(toDocument(r, dialect))}\n`
      sent++
      if (++inBody === batch) {
        out.push(body)
        body = ""
        inBody = 0
      }
    }
  }
  if (inBody > 0) out.push(body)
  return out
}

/** Loads the records; returns how many the store created and the seconds it took. */
export const directBulkLoad = async (load: DirectLoad, bodies: ReadonlyArray<string>, total: number, batch: number, concurrency: number) => {
  const dialect = load.engine === "elasticsearch" ? ELASTICSEARCH_DIALECT : OPENSEARCH_DIALECT
  await putTemplate(load, dialect)
  const requests = bulkBodies(bodies, total, batch, load.index, dialect)
  let next = 0
  let created = 0
  let failures = 0
  const started = performance.now()
  const sender = async () => {
    while (next < requests.length) {
      const body = requests[next++]!
      const response = await fetch(`${load.node}/_bulk?refresh=${load.refresh}`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body })
      const answer = (await response.json()) as { items?: Array<{ create?: { status: number } }> }
      if (!response.ok) failures++
      for (const item of answer.items ?? []) if ((item.create?.status ?? 500) < 300) created++
    }
  }
  await Promise.all(Array.from({ length: concurrency }, sender))
  return { created, failures, seconds: (performance.now() - started) / 1000 }
}
