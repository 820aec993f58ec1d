import { Effect } from "effect"
import type { StoreReadError } from "../../domain/errors.ts"
import { LEVELS } from "../../domain/log-record.ts"
import { LogStore } from "../../ports/log-store.ts"
import type { MetricQuery } from "./ast.ts"
import type { QueryContext } from "./context.ts"
import { type Labels, labelsKey, levelLabel } from "./labels.ts"
import { addSample, newSampleSet, type SampleSet } from "./range-aggregation.ts"
import { compileSelector } from "./selector.ts"

/**
 * The fast path of metric queries that only count lines: `sum [by (level, service_name)]`
 * of `count_over_time` or `rate` over a selector and plain-text line filters. The store counts
 * them itself, per bucket, without handing over a record: from its per-minute rollups by
 * service and level when there is no line filter, else from its histogram of the search, one
 * per level (and service) asked for. Each bucket becomes one sample at its last millisecond,
 * so a window (t - range, t] holds the buckets that end inside it: exact when the range, the
 * step and the times are whole buckets, rounded to buckets otherwise.
 */

const COUNTABLE_LABELS = ["level", "detected_level", "service_name", "service"]
/** Store histograms one query may ask for (levels × services). */
const MAX_HISTOGRAMS = 64

type RangeQuery = Extract<MetricQuery, { kind: "range" }>

/** The range aggregation under `sum`, when the store can count it. */
export const countableRange = (query: MetricQuery): RangeQuery | undefined => {
  if (query.kind !== "vector_agg" || query.fn !== "sum" || query.inner.kind !== "range") return undefined
  if (query.grouping && (query.grouping.without || !query.grouping.labels.every((l) => COUNTABLE_LABELS.includes(l)))) return undefined
  const inner = query.inner
  if (inner.fn !== "count_over_time" && inner.fn !== "rate") return undefined
  return inner
}

/** Whether the stages left after compiling are only `| drop __error__` (Grafana adds it), which changes no count. */
const onlyErrorDrops = (stages: ReturnType<typeof compileSelector>["stages"]) =>
  stages.every((s) => s.kind === "drop" && s.labels.every((l) => !l.matcher && (l.name === "__error__" || l.name === "__error_details__")))

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b))

/** The bucket the store counts in: whole minutes dividing both the range and the step, else undefined. */
export const countBucketMs = (rangeMs: number, stepMs: number) => {
  const g = gcd(rangeMs, stepMs)
  return g % 60_000 === 0 ? g : undefined
}

export const storeCounts = (
  range: RangeQuery,
  groupBy: ReadonlyArray<string>,
  window: { readonly from: number; readonly to: number; readonly bucketMs: number },
  context: QueryContext
): Effect.Effect<SampleSet | undefined, StoreReadError, LogStore> =>
  Effect.gen(function* () {
    const knownServices = yield* context.knownServices
    const compiled = compileSelector(range.log, knownServices)
    if (compiled.residual || !onlyErrorDrops(compiled.stages)) return undefined
    const set = newSampleSet()
    if (compiled.matchesNothing) return set
    const store = yield* LogStore
    const byService = groupBy.includes("service_name") || groupBy.includes("service")
    const byLevel = groupBy.includes("level") || groupBy.includes("detected_level")
    const services: ReadonlyArray<string | undefined> = byService ? (compiled.request.services ?? knownServices) : [undefined]
    const from = Math.floor(window.from / window.bucketMs) * window.bucketMs
    const { bucketMs } = window
    const last = bucketMs - 1

    if (compiled.request.text === undefined) {
      for (const service of services) {
        const scoped = service === undefined ? compiled.request.services : [service]
        const points = yield* store.series(
          { from, to: window.to, ...(scoped ? { services: scoped } : {}), ...(compiled.request.levels ? { levels: compiled.request.levels } : {}) },
          bucketMs / 60_000
        )
        context.stats.storeQueries++
        // One label set per level: a day of minutes is thousands of points over a few series.
        const seriesOf = new Map<string, { labels: Labels; key: string }>()
        for (const p of points) {
          let series = seriesOf.get(p.level)
          if (!series) {
            const labels = { ...(service === undefined ? {} : { service_name: service }), ...(byLevel ? { level: levelLabel(p.level) } : {}) }
            seriesOf.set(p.level, (series = { labels, key: labelsKey(labels) }))
          }
          addSample(set, series.labels, { ts: p.bucket + last, value: p.count }, series.key)
        }
      }
      return set
    }
    const levels = byLevel ? (compiled.request.levels ?? LEVELS) : [undefined]
    if (levels.length * services.length > MAX_HISTOGRAMS) return undefined
    for (const service of services) {
      for (const level of levels) {
        const request = {
          ...compiled.request,
          from,
          to: window.to,
          ...(service === undefined ? {} : { services: [service] }),
          ...(level === undefined ? {} : { levels: [level] })
        }
        const buckets = yield* store.histogram(request, bucketMs)
        context.stats.storeQueries++
        const labels = { ...(service === undefined ? {} : { service_name: service }), ...(level === undefined ? {} : { level: levelLabel(level) }) }
        for (const b of buckets) addSample(set, labels, { ts: b.bucket + last, value: b.count })
      }
    }
    return set
  })
