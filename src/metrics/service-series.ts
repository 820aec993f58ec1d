import { Effect } from "effect"
import { isError } from "../domain/fingerprint.ts"
import { LogStore } from "../ports/log-store.ts"
import { INTERVALS, type Interval } from "./analytics.ts"

/**
 * Volume and errors over time for each service (`/api/v1/metrics/services`), for the console's
 * per-service charts: from rollups like the other metrics, never a scan of raw logs. The busiest
 * `limit` services of the range (or of the `services` asked for) get a series each; the answer
 * says when there were more.
 */

const MINUTE = 60_000

export interface ServiceSeriesParams {
  readonly interval: Interval
  readonly from: number
  readonly to: number
  readonly limit: number
  /** Only these services (default: all). */
  readonly services?: ReadonlyArray<string>
}

interface Bucket {
  timestamp: string
  count: number
  errors: number
}

const totalsByService = (counts: ReadonlyArray<{ readonly service: string; readonly level: string; readonly count: number }>) => {
  const totals = new Map<string, { count: number; errors: number }>()
  for (const c of counts) {
    const t = totals.get(c.service) ?? { count: 0, errors: 0 }
    t.count += c.count
    if (isError(c.level)) t.errors += c.count
    totals.set(c.service, t)
  }
  return [...totals].map(([service, t]) => ({ service, ...t })).sort((a, b) => b.count - a.count || a.service.localeCompare(b.service))
}

export const serviceSeries = (params: ServiceSeriesParams) =>
  Effect.gen(function* () {
    const store = yield* LogStore
    const bucketMinutes = INTERVALS[params.interval]
    const bucketMs = bucketMinutes * MINUTE
    // The first bucket is counted whole, like every other (as /metrics/timeseries does).
    const from = Math.floor(params.from / bucketMs) * bucketMs
    const all = totalsByService(yield* store.counts({ from, to: params.to, ...(params.services ? { services: params.services } : {}) }))
    const shown = all.slice(0, params.limit)
    const services = yield* Effect.forEach(
      shown,
      (s) =>
        Effect.map(store.series({ from, to: params.to, services: [s.service] }, bucketMinutes), (points) => {
          const buckets = new Map<number, Bucket>()
          for (let t = from; t <= params.to; t += bucketMs) buckets.set(t, { timestamp: new Date(t).toISOString(), count: 0, errors: 0 })
          for (const p of points) {
            const bucket = buckets.get(p.bucket)
            if (!bucket) continue
            bucket.count += p.count
            if (isError(p.level)) bucket.errors += p.count
          }
          return { ...s, error_rate: s.count === 0 ? 0 : Math.round((s.errors / s.count) * 10_000) / 10_000, buckets: [...buckets.values()] }
        }),
      { concurrency: 4 }
    )
    return {
      interval: params.interval,
      from: new Date(from).toISOString(),
      to: new Date(params.to).toISOString(),
      services,
      more_services: all.length - shown.length
    }
  })
