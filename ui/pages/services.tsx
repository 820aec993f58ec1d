import { useEffect, useState } from "preact/hooks"
import { api, errorText, isAbort } from "../api.ts"
import { ServiceCharts } from "../components/service-charts.tsx"
import { formatNumber, formatPercent, formatTime } from "../format.ts"
import { ServicePatterns } from "../components/service-patterns.tsx"
import { href } from "../route.ts"

/**
 * Per-service overview from the metrics API (rollups, never a scan of raw logs): rates over
 * 1/5/15 minutes, error rate and health per service, each service's volume and error rate over
 * a chosen range, and the most frequent errors. One
 * service's page adds its own levels and top errors. Refreshes every 30 s (the API's cache TTL).
 */

interface Rate {
  readonly count: number
  readonly logs_per_second: number
  readonly logs_per_minute: number
}
interface ErrorGroup {
  readonly fingerprint: string
  readonly service: string
  readonly count: number
  readonly sample: string
  readonly last_seen: string | number
}
interface ServiceRow {
  readonly service: string
  readonly count: number
  readonly errors: number
  readonly error_rate: number
  readonly health: string
}
interface Overview {
  readonly generated_at: string
  readonly window_minutes: number
  readonly total_logs: number
  readonly rates: Readonly<Record<string, Rate>>
  readonly levels: Readonly<Record<string, number>>
  readonly services: ReadonlyArray<ServiceRow>
  readonly top_errors: ReadonlyArray<ErrorGroup>
}
interface ServiceDetail {
  readonly service: string
  readonly generated_at: string
  readonly total_logs: number
  readonly first_seen: string
  readonly last_seen: string
  readonly window_minutes: number
  readonly levels: Readonly<Record<string, number>>
  readonly errors: number
  readonly error_rate: number
  readonly health: string
  readonly rates: Readonly<Record<string, Rate>>
  readonly top_errors: ReadonlyArray<ErrorGroup>
}

const REFRESH_MS = 30_000

const usePolled = <T,>(url: string) => {
  const [data, setData] = useState<T | undefined>()
  const [error, setError] = useState<string | undefined>()
  useEffect(() => {
    const controller = new AbortController()
    setData(undefined)
    const load = () =>
      api<T>(url, { signal: controller.signal }).then(
        (d) => {
          setData(d)
          setError(undefined)
        },
        (e) => isAbort(e) || setError(errorText(e))
      )
    void load()
    const timer = setInterval(load, REFRESH_MS)
    return () => {
      clearInterval(timer)
      controller.abort()
    }
  }, [url])
  return { data, error }
}

const Rates = ({ rates }: { rates: Readonly<Record<string, Rate>> }) => (
  <dl class="stats">
    {Object.entries(rates).map(([window, r]) => (
      <div key={window}>
        <dt>Last {window}</dt>
        <dd>
          {formatNumber(r.logs_per_second, r.logs_per_second < 10 ? 2 : 1)} logs/s <span class="muted">({formatNumber(r.count)})</span>
        </dd>
      </div>
    ))}
  </dl>
)

const Levels = ({ levels }: { levels: Readonly<Record<string, number>> }) => (
  <dl class="stats levels">
    {Object.entries(levels).map(([level, n]) => (
      <div key={level}>
        <dt class={`level-${level.toLowerCase()}`}>{level}</dt>
        <dd>{formatNumber(n)}</dd>
      </div>
    ))}
  </dl>
)

const TopErrors = ({ errors }: { errors: ReadonlyArray<ErrorGroup> }) =>
  errors.length === 0 ? (
    <p class="empty">No errors in this window.</p>
  ) : (
    <table class="top-errors">
      <thead>
        <tr>
          <th>Count</th>
          <th>Service</th>
          <th>Error</th>
          <th>Last seen</th>
        </tr>
      </thead>
      <tbody>
        {errors.map((e) => (
          <tr key={`${e.service}/${e.fingerprint}`}>
            <td class="num">{formatNumber(e.count)}</td>
            <td>
              <a href={href(`services/${encodeURIComponent(e.service)}`)}>{e.service}</a>
            </td>
            <td class="col-message" title={e.sample}>
              {e.sample.split("\n", 1)[0]}
            </td>
            <td class="col-time">{formatTime(e.last_seen)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )

export const ServicesPage = () => {
  const { data, error } = usePolled<Overview>("/api/v1/metrics/overview")
  return (
    <main class="services-page">
      <h1>Services</h1>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {!data && !error && <p class="muted">Loading…</p>}
      {data && (
        <>
          <p class="muted">
            {formatNumber(data.total_logs)} logs stored · last {data.window_minutes} minutes below · as of {formatTime(data.generated_at)}
          </p>
          <Rates rates={data.rates} />
          <Levels levels={data.levels} />
          <table class="services">
            <thead>
              <tr>
                <th>Service</th>
                <th class="num">Logs ({data.window_minutes} min)</th>
                <th class="num">Errors</th>
                <th class="num">Error rate</th>
                <th>Health</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {data.services.map((s) => (
                <tr key={s.service}>
                  <td>
                    <a href={href(`services/${encodeURIComponent(s.service)}`)}>{s.service}</a>
                  </td>
                  <td class="num">{formatNumber(s.count)}</td>
                  <td class="num">{formatNumber(s.errors)}</td>
                  <td class="num">{formatPercent(s.error_rate)}</td>
                  <td>
                    <span class={`health health-${s.health}`}>{s.health}</span>
                  </td>
                  <td>
                    <a href={href("search", { query: `service:"${s.service}" level:ERROR`, from: "now-15m", to: "now" })}>errors →</a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <ServiceCharts />
          <h2>Top errors</h2>
          <TopErrors errors={data.top_errors} />
        </>
      )}
    </main>
  )
}

export const ServicePage = ({ name }: { name: string }) => {
  const { data, error } = usePolled<ServiceDetail>(`/api/v1/metrics/service/${encodeURIComponent(name)}`)
  return (
    <main class="services-page">
      <p>
        <a href={href("services")}>← All services</a>
      </p>
      <h1>{name}</h1>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {!data && !error && <p class="muted">Loading…</p>}
      {data && (
        <>
          <p class="muted">
            <span class={`health health-${data.health}`}>{data.health}</span> · error rate {formatPercent(data.error_rate)} over {data.window_minutes} minutes ·{" "}
            {formatNumber(data.total_logs)} logs since {formatTime(data.first_seen)} · last {formatTime(data.last_seen)}
          </p>
          <Rates rates={data.rates} />
          <Levels levels={data.levels} />
          <p>
            <a href={href("search", { query: `service:"${name}"`, from: "now-15m", to: "now" })}>Search this service's logs →</a>
          </p>
          <ServiceCharts service={name} />
          <h2>Top errors</h2>
          <TopErrors errors={data.top_errors} />
          <ServicePatterns service={name} />
        </>
      )}
    </main>
  )
}
