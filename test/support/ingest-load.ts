import { ulid } from "../../src/domain/ulid.ts"
import { json } from "./server-process.ts"

/**
 * Load for the fault suite: writers that POST NDJSON batches with ids of their own choosing,
 * so what was acknowledged can be counted in the store afterwards.
 */

export interface IngestLoad {
  /** Ids whose request was answered 2xx. */
  readonly acknowledged: string[]
  /** Records sent (each once, however often it was resent). */
  readonly sent: () => number
  /** Answers by status (`error` for a failed connection). */
  readonly statuses: Map<number | "error", number>
  /** Waits until at least `count` records are acknowledged. */
  readonly untilAcknowledged: (count: number, timeoutMs?: number) => Promise<void>
  /** Lets the writers finish their current batch, and waits for them. */
  readonly stop: () => Promise<void>
}

export interface LoadOptions {
  readonly url: () => string
  /** Every record's service; with `services`, batches take turns among `<service>-0` … `<service>-<services - 1>` (spread over partitions). */
  readonly service: string
  readonly services?: number
  readonly writers?: number
  readonly batch?: number
  /** Resend a refused batch (same ids) until it is acknowledged, as a well-behaved shipper does; else move on. */
  readonly resend: boolean
  /** Extra fields of every record. */
  readonly fields?: Record<string, unknown>
}

export const startIngestLoad = (options: LoadOptions): IngestLoad => {
  const acknowledged: string[] = []
  const statuses = new Map<number | "error", number>()
  const batchSize = options.batch ?? 100
  let sent = 0
  let stopping = false

  const post = (body: string) =>
    fetch(`${options.url()}/api/v1/logs`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body }).then(
      async (response) => {
        await response.arrayBuffer()
        return response.status
      },
      () => "error" as const
    )

  const writer = async (w: number) => {
    for (let batch = 0; !stopping; batch++) {
      const ids = Array.from({ length: batchSize }, () => ulid())
      const service = options.services ? `${options.service}-${batch % options.services}` : options.service
      const body = ids.map((id, i) => JSON.stringify({ id, service, message: `writer ${w} batch ${batch} line ${i}`, ...options.fields })).join("\n")
      sent += batchSize
      for (;;) {
        const status = await post(body)
        statuses.set(status, (statuses.get(status) ?? 0) + 1)
        if (status === 200) {
          acknowledged.push(...ids)
          break
        }
        if (!options.resend || stopping) break
        await Bun.sleep(200)
      }
    }
  }
  const writers = Array.from({ length: options.writers ?? 4 }, (_, w) => writer(w))

  return {
    acknowledged,
    sent: () => sent,
    statuses,
    untilAcknowledged: async (count, timeoutMs = 60_000) => {
      const deadline = Date.now() + timeoutMs
      while (acknowledged.length < count) {
        if (Date.now() > deadline) throw new Error(`only ${acknowledged.length} of ${count} records acknowledged in ${timeoutMs} ms`)
        await Bun.sleep(20)
      }
    },
    stop: async () => {
      stopping = true
      await Promise.all(writers)
    }
  }
}

/** Every id stored for a service (or matching a query), read page by page through the search API. */
export const storedIds = async (url: string, service: string | { readonly query: string }): Promise<string[]> => {
  const filter = typeof service === "string" ? `service=${encodeURIComponent(service)}` : `query=${encodeURIComponent(service.query)}`
  const ids: string[] = []
  let cursor: string | null = null
  do {
    const page: { logs: Array<{ id: string }>; next_cursor: string | null } = await json(
      fetch(`${url}/api/v1/logs/search?${filter}&limit=1000${cursor ? `&cursor=${cursor}` : ""}`)
    )
    ids.push(...page.logs.map((l) => l.id))
    cursor = page.next_cursor
  } while (cursor)
  return ids
}
