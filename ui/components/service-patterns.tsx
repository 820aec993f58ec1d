import { useEffect, useState } from "preact/hooks"
import { api, errorText, isAbort, qs } from "../api.ts"
import { formatNumber } from "../format.ts"
import { href } from "../route.ts"
import { type PatternsJson, PatternSparkline } from "./pattern-sparkline.tsx"

/** A service's most frequent patterns of the last hour, each a link to a search for its records. */

const TOP = 5

export const ServicePatterns = ({ service }: { service: string }) => {
  const [data, setData] = useState<PatternsJson | undefined>()
  const [error, setError] = useState<string | undefined>()
  useEffect(() => {
    const controller = new AbortController()
    api<PatternsJson>(`/api/v1/logs/patterns${qs({ service, from: "now-1h", limit: TOP })}`, { signal: controller.signal }).then(setData, (e) => {
      if (!isAbort(e)) setError(errorText(e))
    })
    return () => controller.abort()
  }, [service])
  return (
    <section aria-labelledby="service-patterns">
      <h2 id="service-patterns">Top patterns (last hour)</h2>
      {error && <p class="error">{error}</p>}
      {data && data.patterns.length === 0 && <p class="muted">No patterns learned in the last hour.</p>}
      {data && data.patterns.length > 0 && (
        <table class="patterns">
          <tbody>
            {data.patterns.map((p) => (
              <tr key={p.id}>
                <td>
                  <a class="template" href={href("search", { query: p.search, from: "now-1h", to: "now" })}>
                    {p.template || "(empty message)"}
                  </a>
                </td>
                <td class="num">{formatNumber(p.count)}</td>
                <td>
                  <PatternSparkline series={p.series} template={p.template} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p>
        <a href={href("patterns", { service, from: "now-1h", to: "now" })}>All patterns of {service} →</a>
      </p>
    </section>
  )
}
