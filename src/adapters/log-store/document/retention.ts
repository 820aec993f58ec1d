import type { estypes } from "@elastic/elasticsearch"
import { Effect } from "effect"
import { StoreUnavailable } from "../../../domain/errors.ts"
import type { DocumentEngine } from "./engine.ts"
import type { ExpiryRule } from "../../../ports/log-store.ts"
import { OLDEST_FIRST, serviceAndLevel } from "./query.ts"

/**
 * Retention on daily indices: a day whose every record has expired under the rule is dropped
 * as a whole index (cheap, and gives the disk back at once); what remains (days that also hold
 * records the rule keeps) is deleted record by record, the oldest `limit` at a time, with a
 * search and one `_bulk` (the minimal distribution has no `_delete_by_query`).
 */

const DAY = 86_400_000

const unavailable = (e: unknown) => new StoreUnavailable({ reason: e instanceof Error ? e.message : String(e) })

export const expiredQuery = (rule: ExpiryRule): estypes.QueryDslQueryContainer => ({
  bool: {
    filter: [{ range: { timestamp: { lt: rule.cutoff } } }, ...serviceAndLevel({ services: rule.services })],
    must_not: rule.exceptServices?.length ? [{ terms: { service: [...rule.exceptServices] } }] : []
  }
})

export interface RetentionOptions {
  readonly index: string
  readonly refresh: "true" | "false" | "wait_for"
}

export const makeExpire = (
  engine: DocumentEngine,
  options: RetentionOptions,
  search: (request: estypes.SearchRequest) => Effect.Effect<estypes.SearchResponse<unknown>, StoreUnavailable>
) => {
  const call = <A>(f: () => Promise<A>) => Effect.tryPromise({ try: f, catch: unavailable })
  const dayOf = new RegExp(`^${options.index.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-(\\d{4})\\.(\\d{2})\\.(\\d{2})$`)

  /** Drops the daily indices that hold only expired records; returns how many records they held. */
  const dropExpiredDays = (rule: ExpiryRule) =>
    call(async () => {
      let dropped = 0
      for (const index of await engine.listIndices(`${options.index}-*`)) {
        const day = dayOf.exec(index)
        if (!day || Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3])) + DAY > rule.cutoff) continue
        // Records written a moment ago must count before deciding nothing here is kept.
        await engine.refresh(index)
        const kept = await engine.count(index, { bool: { must_not: [expiredQuery(rule)] } })
        if (kept > 0) continue
        dropped += await engine.count(index)
        await engine.deleteIndex(index)
      }
      return dropped
    })

  const deleteOldest = (rule: ExpiryRule, limit: number) =>
    Effect.gen(function* () {
      const found = yield* search({ query: expiredQuery(rule), sort: OLDEST_FIRST, size: limit, _source: false, track_total_hits: false })
      const hits = found.hits.hits
      if (hits.length === 0) return 0
      const response = yield* call(() =>
        engine.bulk(
          hits.map((h) => ({ delete: { _index: h._index, _id: h._id! } })),
          options.refresh
        )
      )
      return response.items.filter((i) => i.delete && (i.delete.status < 300 || i.delete.status === 404)).length
    })

  return (rule: ExpiryRule, limit: number) =>
    Effect.flatMap(dropExpiredDays(rule), (dropped) => (dropped > 0 ? Effect.succeed(dropped) : deleteOldest(rule, limit)))
}
