import { Effect } from "effect"
import { ActorRegistry, actorSummary } from "../ports/actor-registry.ts"
import { Pipeline } from "../ports/pipeline.ts"
import { isError } from "../domain/fingerprint.ts"
import { LEVELS, type Level } from "../domain/log-record.ts"
import { NotFound } from "../domain/errors.ts"
import { LogStore, type LevelCount, type RollupFilter } from "../ports/log-store.ts"

/**
 * The numbers behind /api/v1/metrics/*: all from rollups and in-process counters, never from a
 * scan of raw logs. A window of N minutes is the N whole minutes before the current one plus
 * the part of the current minute that has passed, so rates divide by the time really covered.
 */

const MINUTE = 60_000
const WINDOWS = [1, 5, 15] as const
const startedAt = Date.now()

const windowFrom = (now: number, minutes: number) => (Math.floor(now / MINUTE) - minutes) * MINUTE

export type Health = "healthy" | "degraded" | "critical" | "silent"
/** Error share of the last 15 minutes: under 5% healthy, under 20% degraded, else critical. */
export const healthOf = (count: number, errors: number): Health =>
  count === 0 ? "silent" : errors / count >= 0.2 ? "critical" : errors / count >= 0.05 ? "degraded" : "healthy"

const emptyLevels = () => Object.fromEntries(LEVELS.map((l) => [l, 0])) as Record<Level, number>
const sum = (counts: ReadonlyArray<LevelCount>) => counts.reduce((n, c) => n + c.count, 0)
const errorsIn = (counts: ReadonlyArray<LevelCount>) => counts.reduce((n, c) => n + (isError(c.level) ? c.count : 0), 0)
const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits

const topErrors = (filter: RollupFilter) =>
  Effect.flatMap(LogStore, (store) => store.topErrors(filter, 10)).pipe(
    Effect.map((groups) => groups.map((e) => ({ ...e, last_seen: new Date(e.last_seen).toISOString() })))
  )

const rates = (now: number, services?: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const store = yield* LogStore
    const entries = yield* Effect.forEach(WINDOWS, (minutes) =>
      Effect.gen(function* () {
        const from = windowFrom(now, minutes)
        const count = sum(yield* store.counts({ from, to: now, ...(services ? { services } : {}) }))
        const seconds = (now - from) / 1000
        return [`${minutes}m`, { count, logs_per_second: round(count / seconds), logs_per_minute: round((count / seconds) * 60, 1) }] as const
      })
    )
    return Object.fromEntries(entries)
  })

export const overview = (now: number) =>
  Effect.gen(function* () {
    const store = yield* LogStore
    const from = windowFrom(now, 15)
    const recent = yield* store.counts({ from, to: now })
    const allTime = yield* store.allTime()
    const levels = emptyLevels()
    const byService = new Map<string, { count: number; errors: number }>()
    for (const c of recent) {
      levels[c.level] += c.count
      const s = byService.get(c.service) ?? { count: 0, errors: 0 }
      s.count += c.count
      if (isError(c.level)) s.errors += c.count
      byService.set(c.service, s)
    }
    // Services seen before but silent in the window are listed too: silence is news.
    for (const c of allTime) if (!byService.has(c.service)) byService.set(c.service, { count: 0, errors: 0 })
    return {
      generated_at: new Date(now).toISOString(),
      window_minutes: 15,
      total_logs: sum(allTime),
      rates: yield* rates(now),
      levels,
      services: [...byService]
        .map(([service, s]) => ({
          service,
          count: s.count,
          errors: s.errors,
          error_rate: s.count ? round(s.errors / s.count, 4) : 0,
          health: healthOf(s.count, s.errors)
        }))
        .sort((a, b) => b.count - a.count || a.service.localeCompare(b.service)),
      top_errors: yield* topErrors({ from, to: now })
    }
  })

export const serviceMetrics = (service: string, now: number) =>
  Effect.gen(function* () {
    const store = yield* LogStore
    const allTime = yield* store.allTime(service)
    if (allTime.length === 0) return yield* new NotFound({ what: `service '${service}'` })
    const from = windowFrom(now, 15)
    const recent = yield* store.counts({ from, to: now, services: [service] })
    const levels = emptyLevels()
    const levelsAllTime = emptyLevels()
    for (const c of recent) levels[c.level] += c.count
    for (const c of allTime) levelsAllTime[c.level] += c.count
    const count = sum(recent)
    const errors = errorsIn(recent)
    return {
      service,
      generated_at: new Date(now).toISOString(),
      total_logs: sum(allTime),
      bytes: allTime.reduce((n, c) => n + c.bytes, 0),
      first_seen: new Date(Math.min(...allTime.map((c) => c.first_seen))).toISOString(),
      last_seen: new Date(Math.max(...allTime.map((c) => c.last_seen))).toISOString(),
      levels_all_time: levelsAllTime,
      window_minutes: 15,
      levels,
      errors,
      error_rate: count ? round(errors / count, 4) : 0,
      health: healthOf(count, errors),
      rates: yield* rates(now, [service]),
      top_errors: yield* topErrors({ from, to: now, services: [service] })
    }
  })

let lastCpu = { at: performance.now(), usage: process.cpuUsage() }

export const systemMetrics = (now: number) =>
  Effect.gen(function* () {
    const pipeline = yield* Pipeline
    const registry = yield* ActorRegistry
    const store = yield* LogStore
    const storeHealth = yield* store.health
    const at = performance.now()
    const usage = process.cpuUsage()
    const cpuPercent = ((usage.user - lastCpu.usage.user + usage.system - lastCpu.usage.system) / 1000 / Math.max(1, at - lastCpu.at)) * 100
    lastCpu = { at, usage }
    const memory = process.memoryUsage()
    const flushes = pipeline.flushes
    return {
      generated_at: new Date(now).toISOString(),
      ingest: {
        records_per_second: Object.fromEntries(WINDOWS.map((m) => [`${m}m`, round(flushes.rate(now, m * 60), 1)])),
        records_indexed_since_start: flushes.totalRecords,
        batches_since_start: flushes.totalBatches
      },
      indexer: flushes.recent(),
      pipeline: registry.all().map(actorSummary),
      store: { status: storeHealth.status, ...storeHealth.details },
      process: {
        rss_bytes: memory.rss,
        heap_used_bytes: memory.heapUsed,
        cpu_percent: round(cpuPercent, 1),
        uptime_seconds: Math.round((now - startedAt) / 1000)
      }
    }
  })

export const INTERVALS = { "1m": 1, "5m": 5, "15m": 15, "1h": 60 } as const
export type Interval = keyof typeof INTERVALS
export const MAX_BUCKETS = 2000

export const timeseries = (params: { interval: Interval; from: number; to: number; services?: ReadonlyArray<string>; levels?: ReadonlyArray<Level> }) =>
  Effect.gen(function* () {
    const store = yield* LogStore
    const bucketMinutes = INTERVALS[params.interval]
    const bucketMs = bucketMinutes * MINUTE
    // The first bucket is counted whole, like every other.
    const from = Math.floor(params.from / bucketMs) * bucketMs
    const points = yield* store.series(
      {
        from,
        to: params.to,
        ...(params.services ? { services: params.services } : {}),
        ...(params.levels ? { levels: params.levels } : {})
      },
      bucketMinutes
    )
    const buckets = new Map<number, { timestamp: string; count: number; levels: Record<Level, number> }>()
    // Every bucket in the range, so gaps read as zero instead of being missing.
    for (let t = from; t <= params.to; t += bucketMs) {
      buckets.set(t, { timestamp: new Date(t).toISOString(), count: 0, levels: emptyLevels() })
    }
    for (const p of points) {
      const bucket = buckets.get(p.bucket)
      if (!bucket) continue
      bucket.count += p.count
      bucket.levels[p.level] += p.count
    }
    return { interval: params.interval, from: new Date(from).toISOString(), to: new Date(params.to).toISOString(), buckets: [...buckets.values()] }
  })
