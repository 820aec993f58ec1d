import { useEffect, useState } from "preact/hooks"
import { api, errorText, isAbort, qs } from "../api.ts"
import { formatNumber, formatPercent } from "../format.ts"
import { href } from "../route.ts"
import type { PatternJson, PatternsJson } from "./pattern-sparkline.tsx"
import { SeriesChart } from "./series-chart.tsx"
import { DEFAULT_RANGE, type TimeRange, TimeRangePicker } from "./time-range.tsx"

/**
 * Each busy service's volume and error rate over the chosen range, side by side, from
 * `GET /api/v1/metrics/services` (rollups: as cheap for a week as for an hour), each with its
 * most frequent patterns of the range (one `GET /api/v1/logs/patterns?per_service=` for all).
 */

interface ServiceSeries {
  readonly service: string
  readonly count: number
  readonly errors: number
  readonly error_rate: number
  readonly buckets: ReadonlyArray<{ readonly timestamp: string; readonly count: number; readonly errors: number }>
}
interface ServicesJson {
  readonly interval: string
  readonly services: ReadonlyArray<ServiceSeries>
  readonly more_services: number
}

const INTERVALS = [
  ["1m", 60_000],
  ["5m", 300_000],
  ["15m", 900_000],
  ["1h", 3_600_000]
] as const
/** Services charted (the busiest of the range), and patterns shown on each one's card. */
const SERVICES_SHOWN = 20
const PATTERNS_PER_SERVICE = 3
const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

/** The range's length: a preset is `now-<n><unit>` to now, a custom range two epoch times. */
const rangeMs = (range: TimeRange) => {
  const relative = /^now-(\d+)([smhdw])$/.exec(range.from)
  return relative ? Number(relative[1]) * UNIT_MS[relative[2]!]! : Number(range.to) - Number(range.from)
}
/** The finest interval that keeps a chart under about 120 bars. */
const intervalFor = (ms: number) => INTERVALS.find(([, width]) => ms / width <= 120) ?? INTERVALS[INTERVALS.length - 1]!

const byService = (patterns: ReadonlyArray<PatternJson>) => {
  const grouped = new Map<string, PatternJson[]>()
  for (const p of patterns) grouped.set(p.service, [...(grouped.get(p.service) ?? []), p])
  return grouped
}

const CardPatterns = ({ patterns, range }: { patterns: ReadonlyArray<PatternJson>; range: TimeRange }) => (
  <ol class="card-patterns" aria-label="Top patterns">
    {patterns.map((p) => (
      <li key={p.id}>
        <a class="template" href={href("search", { query: p.search, from: range.from, to: range.to })}>
          {p.template || "(empty message)"}
        </a>{" "}
        <span class="muted num">{formatNumber(p.count)}</span>
      </li>
    ))}
  </ol>
)

const ServiceCard = ({ s, bucketMs, patterns, range }: { s: ServiceSeries; bucketMs: number; patterns?: ReadonlyArray<PatternJson>; range: TimeRange }) => {
  const volume = s.buckets.map((b) => ({ t: Date.parse(b.timestamp), value: b.count }))
  const errorRate = s.buckets.map((b) => ({ t: Date.parse(b.timestamp), value: b.count === 0 ? 0 : b.errors / b.count }))
  return (
    <article class="service-card" data-service={s.service}>
      <h3>
        <a href={href(`services/${encodeURIComponent(s.service)}`)}>{s.service}</a>
      </h3>
      <p class="muted small">
        {formatNumber(s.count)} logs · {formatNumber(s.errors)} errors ({formatPercent(s.error_rate)})
      </p>
      <SeriesChart
        title={`${s.service}: logs per ${intervalLabel(bucketMs)}`}
        points={volume}
        bucketMs={bucketMs}
        kind="bars"
        format={formatNumber}
        testId="volume-chart"
      />
      <SeriesChart
        title={`${s.service}: error rate`}
        points={errorRate}
        bucketMs={bucketMs}
        kind="line"
        format={formatPercent}
        minMax={0.05}
        testId="error-rate-chart"
      />
      {patterns && patterns.length > 0 && <CardPatterns patterns={patterns} range={range} />}
    </article>
  )
}

const intervalLabel = (ms: number) => (ms >= 3_600_000 ? `${ms / 3_600_000} h` : `${ms / 60_000} min`)

/** Every busy service's charts, or one service's (`service`). */
export const ServiceCharts = ({ service }: { service?: string }) => {
  const [range, setRange] = useState<TimeRange>(DEFAULT_RANGE)
  const [data, setData] = useState<ServicesJson | undefined>()
  const [patterns, setPatterns] = useState<ReadonlyMap<string, PatternJson[]>>(new Map())
  const [error, setError] = useState<string | undefined>()
  const [interval, bucketMs] = intervalFor(rangeMs(range))

  useEffect(() => {
    const controller = new AbortController()
    setError(undefined)
    api<ServicesJson>(`/api/v1/metrics/services${qs({ from: range.from, to: range.to, interval, service, limit: SERVICES_SHOWN })}`, {
      signal: controller.signal
    }).then(setData, (e) => isAbort(e) || setError(errorText(e)))
    // A service's own page lists its patterns in a section of its own.
    if (service === undefined) {
      const limit = SERVICES_SHOWN * PATTERNS_PER_SERVICE
      api<PatternsJson>(`/api/v1/logs/patterns${qs({ from: range.from, to: range.to, per_service: PATTERNS_PER_SERVICE, limit })}`, {
        signal: controller.signal
      }).then(
        (body) => setPatterns(byService(body.patterns)),
        (e) => isAbort(e) || setError(errorText(e))
      )
    }
    return () => controller.abort()
  }, [range.from, range.to, interval, service])

  return (
    <section class="service-charts" aria-label="Services over time">
      <div class="section-head">
        <h2>Over time</h2>
        <TimeRangePicker value={range} onChange={setRange} />
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {data && data.services.length === 0 && <p class="empty">No logs in this range.</p>}
      {data && (
        <div class="service-grid">
          {data.services.map((s) => (
            <ServiceCard key={s.service} s={s} bucketMs={bucketMs} patterns={patterns.get(s.service)} range={range} />
          ))}
        </div>
      )}
      {data && data.more_services > 0 && <p class="muted">and {formatNumber(data.more_services)} quieter services</p>}
    </section>
  )
}
