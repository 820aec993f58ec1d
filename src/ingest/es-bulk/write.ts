import { Effect, Option } from "effect"
import type { LogRecord } from "../../domain/log-record.ts"
import type { LogBus } from "../../ports/log-bus.ts"
import { LogStore } from "../../ports/log-store.ts"
import type { TelemetryInstruments } from "../../ports/telemetry.ts"
import type { RunEffect } from "../../api/run-effect.ts"
import { publishRecords } from "../request.ts"
import type { BulkError, BulkItem } from "./decode.ts"

/**
 * Stores decoded `_bulk` items (or one single-document write) with Elasticsearch's answer per
 * item. An item whose `_id` names a document already stored (or one earlier in the same
 * request) is not stored again: a `create` fails with 409 `version_conflict_engine_exception`,
 * an `index` answers 200 `noop`, keeping the stored document (logs are immutable here, so an
 * overwrite is not offered). The look-up sees every committed record; two writes of one `_id`
 * racing each other, or one still in Kafka, are caught by the store itself, which keeps a
 * record id once, so nothing is stored twice either way. Look-ups cost the store a query each, so
 * at most `lookupLimit` distinct ids of one request are looked up; the items past it are
 * checked only against the request itself, and the store still keeps each id once.
 */

export type ItemResult =
  | { readonly status: 201; readonly result: "created"; readonly id: string }
  | { readonly status: 200; readonly result: "noop"; readonly id: string }
  | { readonly status: 400 | 409; readonly error: BulkError; readonly id: string | null }

/** Look-ups of stored ids run this many at a time. */
const LOOKUP_CONCURRENCY = 8

const conflict = (id: string): BulkError => ({
  type: "version_conflict_engine_exception",
  reason: `[${id}]: version conflict, document already exists (current version [1])`
})

/** Which of the ids are stored already. */
const storedIds = (run: RunEffect<LogStore>, ids: ReadonlyArray<string>): Promise<ReadonlySet<string>> => {
  if (ids.length === 0) return Promise.resolve(new Set())
  return run(
    Effect.flatMap(LogStore, (store) =>
      Effect.forEach(ids, (id) => store.get(id).pipe(Effect.map((found) => (Option.isSome(found) ? [id] : []))), { concurrency: LOOKUP_CONCURRENCY })
    ).pipe(Effect.map((found) => new Set(found.flat())))
  )
}

export const writeItems = async (
  run: RunEffect<LogBus | LogStore>,
  telemetry: TelemetryInstruments,
  items: ReadonlyArray<BulkItem>,
  lookupLimit: number
): Promise<ItemResult[]> => {
  // Only items that named an `_id` can conflict.
  const named = [...new Set(items.flatMap((item) => (item.record && item.id !== undefined ? [item.record.id] : [])))]
  const stored = await storedIds(run, named.slice(0, lookupLimit))
  const seen = new Set<string>()
  const records: LogRecord[] = []
  let kept = 0
  const results = items.map((item): ItemResult => {
    const clientId = item.id ?? null
    if (item.error) return { status: 400, error: item.error, id: clientId }
    const record = item.record!
    const id = item.id ?? record.id
    if (item.id !== undefined && (stored.has(record.id) || seen.has(record.id))) {
      if (item.action === "create") return { status: 409, error: conflict(item.id), id }
      kept++
      return { status: 200, result: "noop", id }
    }
    seen.add(record.id)
    records.push(record)
    return { status: 201, result: "created", id }
  })
  if (kept > 0) telemetry.ingestRecords.inc({ protocol: "bulk", result: "duplicate" }, kept)
  await publishRecords(run, telemetry, "bulk", records, items.length - records.length - kept)
  return results
}
