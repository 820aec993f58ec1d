import { useEffect, useState } from "preact/hooks"
import { api, errorText, isAbort, qs } from "../api.ts"
import { formatNumber, formatPercent } from "../format.ts"
import { href } from "../route.ts"
import { SeriesChart } from "./series-chart.tsx"
import { DEFAULT_RANGE, type TimeRange, TimeRangePicker } from "./time-range.tsx"

/**
 * Each busy service's volume and error rate over the chosen range, side by side, from
 * `GET /api/v1/metrics/services` (rollups: as cheap for a week as for an hour).
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
const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

/** The range's length: a preset is `now-<n><unit>` to now, a custom range two epoch times. */
const rangeMs = (range: TimeRange) => {
  const relative = /^now-(\d+)([smhdw])$/.exec(range.from)
  return relative ? Number(relative[1]) * UNIT_MS[relative[2]!]! : Number(range.to) - Number(range.from)
}
/** The finest interval that keeps a chart under about 120 bars. */
const intervalFor = (ms: number) => INTERVALS.find(([, width]) => ms / width <= 120) ?? INTERVALS[INTERVALS.length - 1]!

const ServiceCard = ({ s, bucketMs }: { s: ServiceSeries; bucketMs: number }) => {
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
      {/* The service's top patterns (GET /api/v1/logs/patterns?service=…) go here, under its charts. */}
    </article>
  )
}

const intervalLabel = (ms: number) => (ms >= 3_600_000 ? `${ms / 3_600_000} h` : `${ms / 60_000} min`)

/** Every busy service's charts, or one service's (`service`). */
export const ServiceCharts = ({ service }: { service?: string }) => {
  const [range, setRange] = useState<TimeRange>(DEFAULT_RANGE)
  const [data, setData] = useState<ServicesJson | undefined>()
  const [error, setError] = useState<string | undefined>()
  const [interval, bucketMs] = intervalFor(rangeMs(range))

  useEffect(() => {
    const controller = new AbortController()
    setError(undefined)
    api<ServicesJson>(`/api/v1/metrics/services${qs({ from: range.from, to: range.to, interval, service })}`, { signal: controller.signal }).then(
      setData,
      (e) => isAbort(e) || setError(errorText(e))
    )
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
            <ServiceCard key={s.service} s={s} bucketMs={bucketMs} />
          ))}
        </div>
      )}
      {data && data.more_services > 0 && <p class="muted">and {formatNumber(data.more_services)} quieter services</p>}
    </section>
  )
}
