import type { estypes } from "@elastic/elasticsearch"
import { type Duration, Effect, Schedule } from "effect"
import { StoreUnavailable } from "../../../domain/errors.ts"
import { fingerprint, isError } from "../../../domain/fingerprint.ts"
import { isNumeric } from "../../../domain/field-query.ts"
import type { LogRecord } from "../../../domain/log-record.ts"
import { ATTR_NUMBER, ATTR_TEXT, type Dialect, ELASTICSEARCH_DIALECT } from "./query.ts"
import type { DocumentEngine } from "./engine.ts"
import { deadLetterIndex } from "./template.ts"

/**
 * Writes a batch with `_bulk`, item by item: the record id is the `_id` and every item is a
 * `create`, so a redelivered record answers 409 and is skipped (never duplicated). Items
 * refused for a while (429, 5xx) are retried with backoff; items refused for good (mapping
 * errors, 4xx) go to the dead-letter index with the reason and never block the batch.
 */

export interface BulkOptions {
  readonly index: string
  readonly refresh: "true" | "false" | "wait_for"
  /** Retries of 429/5xx items before the batch fails (and is redelivered later). */
  readonly retries: number
  readonly retryBase: Duration.DurationInput
  /** Told of every record sent to the dead-letter index. */
  readonly onDeadLetter?: (record: LogRecord, reason: string) => void
}

/** Daily indices by event time, so retention can drop whole days and a redelivery lands where the original did. */
export const dailyIndex = (index: string, timestamp: number) => {
  const d = new Date(timestamp)
  const pad = (n: number) => String(n).padStart(2, "0")
  return `${index}-${d.getUTCFullYear()}.${pad(d.getUTCMonth() + 1)}.${pad(d.getUTCDate())}`
}

export const toDocument = (r: LogRecord, dialect: Dialect = ELASTICSEARCH_DIALECT) => {
  const text: Record<string, string> = {}
  const number: Record<string, number> = {}
  // for…in rather than Object.entries(): no pair arrays per attribute on the worker's hot path.
  for (const key in r.attributes) {
    const value = r.attributes[key]!
    const field = dialect.attributeKey(key)
    text[field] = String(value)
    if (typeof value === "number") number[field] = value
    else if (typeof value === "string" && isNumeric(value)) number[field] = Number(value)
    // A boolean is also 1 or 0, as in SQLite's json_extract and the live-tail matcher:
    // `retry:1` and `retry:>0` find `retry: true` in every store.
    else if (typeof value === "boolean") number[field] = value ? 1 : 0
  }
  return {
    ...r,
    [ATTR_TEXT]: text,
    [ATTR_NUMBER]: number,
    bytes: r.message.length,
    ...(isError(r.level) ? { fingerprint: fingerprint(r.message) } : {})
  }
}

const DAY_MS = 86_400_000

/**
 * The NDJSON `_bulk` body of a batch, serialised in one pass: per record an action line and
 * the document, with no array of operation objects for the client to walk and serialise again.
 * A batch's records mostly share a day, so the day's index name is worked out once per run of them.
 */
export const bulkBody = (records: ReadonlyArray<LogRecord>, index: string, dialect: Dialect) => {
  let body = ""
  let day = Number.NaN
  let dayIndex = ""
  for (const r of records) {
    const d = Math.floor(r.timestamp / DAY_MS)
    if (d !== day) {
      day = d
      dayIndex = JSON.stringify(dailyIndex(index, r.timestamp))
    }
    body += `{"create":{"_index":${dayIndex},"_id":${JSON.stringify(r.id)}}}\n${JSON.stringify(toDocument(r, dialect))}\n`
  }
  return body
}

class Retryable {
  constructor(
    readonly records: ReadonlyArray<LogRecord>,
    readonly reason: string
  ) {}
}

const unavailable = (e: unknown) => new StoreUnavailable({ reason: e instanceof Error ? e.message : String(e) })

const reasonOf = (item: estypes.BulkResponseItem) => `${item.error?.type ?? "error"}: ${item.error?.reason ?? `status ${item.status}`}`

export const bulkIndex = (engine: DocumentEngine, options: BulkOptions, batch: ReadonlyArray<LogRecord>) => {
  const attempt = (records: ReadonlyArray<LogRecord>): Effect.Effect<void, Retryable | StoreUnavailable> =>
    Effect.gen(function* () {
      const response = yield* Effect.tryPromise({
        try: () => engine.bulk(bulkBody(records, options.index, engine.dialect), options.refresh),
        catch: (e) => new Retryable(records, e instanceof Error ? e.message : String(e))
      })
      if (!response.errors) return
      const retry: LogRecord[] = []
      const dead: Array<{ record: LogRecord; item: estypes.BulkResponseItem }> = []
      response.items.forEach((entry, i) => {
        const item = entry.create!
        // 409: the id is already stored (a redelivery): done.
        if (item.status < 300 || item.status === 409) return
        if (item.status === 429 || item.status >= 500) retry.push(records[i]!)
        else dead.push({ record: records[i]!, item })
      })
      if (dead.length > 0) yield* deadLetter(dead)
      if (retry.length > 0)
        return yield* Effect.fail(new Retryable(retry, reasonOf(response.items.find((e) => e.create!.status === 429 || e.create!.status >= 500)!.create!)))
    })

  const deadLetter = (dead: ReadonlyArray<{ record: LogRecord; item: estypes.BulkResponseItem }>) =>
    Effect.tryPromise({
      try: async () => {
        const at = Date.now()
        const response = await engine.bulk(
          dead.flatMap(({ record, item }) => [
            { index: { _index: deadLetterIndex(options.index), _id: record.id } },
            { id: record.id, reason: reasonOf(item), status: item.status, at, record }
          ]),
          options.refresh
        )
        if (response.errors) throw new Error("the dead-letter index refused records")
        for (const { record, item } of dead) options.onDeadLetter?.(record, reasonOf(item))
      },
      catch: unavailable
    })

  // Only what failed is sent again.
  let pending = batch
  return Effect.suspend(() => attempt(pending)).pipe(
    Effect.tapError((e) =>
      Effect.sync(() => {
        if (e instanceof Retryable) pending = e.records
      })
    ),
    Effect.retry({
      while: (e) => e instanceof Retryable,
      schedule: Schedule.exponential(options.retryBase).pipe(Schedule.intersect(Schedule.recurs(options.retries)))
    }),
    Effect.mapError((e) => (e instanceof Retryable ? new StoreUnavailable({ reason: `bulk write kept failing: ${e.reason}` }) : e)),
    Effect.withSpan(engine.dialect.engine === "elasticsearch" ? "Elasticsearch.bulk" : "OpenSearch.bulk", { attributes: { "logflow.records": batch.length } })
  )
}
