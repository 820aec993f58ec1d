import { useEffect, useState } from "preact/hooks"
import { api, errorText, isAbort, qs } from "../api.ts"
import { Level } from "../components/level.tsx"
import { type PatternJson, type PatternsJson, PatternSparkline } from "../components/pattern-sparkline.tsx"
import { DEFAULT_RANGE, type TimeRange, TimeRangePicker } from "../components/time-range.tsx"
import { formatNumber, formatTime } from "../format.ts"
import { href, type Route, replaceParams } from "../route.ts"

/**
 * Patterns: the templates LogFlow learned from the messages of the chosen range, most frequent
 * first, each with its level mix, a small chart of its records over the range and a link to a
 * search for exactly its records. Service, level and words of the template narrow the list;
 * all of it lives in the address, so a link from Search (or a reload) shows the same list.
 */

const LIMIT = 100

const LevelMix = ({ levels }: { levels: PatternJson["levels"] }) => (
  <span class="level-mix">
    {Object.entries(levels)
      .filter(([, n]) => n > 0)
      .map(([level, n]) => (
        <span key={level}>
          <Level level={level} /> {formatNumber(n)}
        </span>
      ))}
  </span>
)

export const PatternsPage = ({ route }: { route: Route }) => {
  const [range, setRange] = useState<TimeRange>({ from: route.params.get("from") ?? DEFAULT_RANGE.from, to: route.params.get("to") ?? DEFAULT_RANGE.to })
  const [service, setService] = useState(route.params.get("service") ?? "")
  const [level, setLevel] = useState(route.params.get("level") ?? "")
  const [words, setWords] = useState(route.params.get("query") ?? "")
  const [draft, setDraft] = useState({ service, level, words })
  const [data, setData] = useState<PatternsJson | undefined>()
  const [error, setError] = useState<string | undefined>()
  const [loading, setLoading] = useState(false)

  useEffect(() => {
    const params = { from: range.from, to: range.to, service, level, query: words }
    replaceParams("patterns", params)
    const controller = new AbortController()
    setLoading(true)
    setError(undefined)
    api<PatternsJson>(`/api/v1/logs/patterns${qs({ ...params, limit: LIMIT })}`, { signal: controller.signal })
      .then(setData, (e) => {
        if (isAbort(e)) return
        setError(errorText(e))
        setData(undefined)
      })
      .finally(() => controller.signal.aborted || setLoading(false))
    return () => controller.abort()
  }, [range.from, range.to, service, level, words])

  const submit = (e: Event) => {
    e.preventDefault()
    setService(draft.service.trim())
    setLevel(draft.level)
    setWords(draft.words.trim())
  }

  return (
    <main class="patterns-page">
      <form class="search-bar" onSubmit={submit}>
        <input
          aria-label="Service"
          placeholder="service"
          value={draft.service}
          onInput={(e) => setDraft({ ...draft, service: (e.target as HTMLInputElement).value })}
        />
        <select aria-label="Level" value={draft.level} onChange={(e) => setDraft({ ...draft, level: (e.target as HTMLSelectElement).value })}>
          <option value="">all levels</option>
          {["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"].map((l) => (
            <option key={l} value={l}>
              {l}
            </option>
          ))}
        </select>
        <input
          aria-label="Words of the template"
          placeholder="words of the template"
          value={draft.words}
          onInput={(e) => setDraft({ ...draft, words: (e.target as HTMLInputElement).value })}
        />
        <TimeRangePicker value={range} onChange={setRange} />
        <button type="submit" class="primary">
          Show
        </button>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <section class="results" aria-busy={loading}>
        <p class="summary" aria-live="polite">
          {loading ? "Loading…" : data ? `${formatNumber(data.total)} patterns${data.total > LIMIT ? `, the ${LIMIT} most frequent shown` : ""}` : ""}
        </p>
        {data && data.patterns.length === 0 && !loading && <p class="muted">No patterns were learned from this range yet.</p>}
        {data && data.patterns.length > 0 && (
          <table class="patterns">
            <thead>
              <tr>
                <th>Pattern</th>
                <th>Service</th>
                <th class="num">Records</th>
                <th>Levels</th>
                <th>Over the range</th>
                <th>Last seen</th>
              </tr>
            </thead>
            <tbody>
              {data.patterns.map((p) => (
                <tr key={p.id}>
                  <td>
                    <a class="template" href={href("search", { query: p.search, from: range.from, to: range.to })} title="Search for this pattern's records">
                      {p.template || "(empty message)"}
                    </a>
                  </td>
                  <td>{p.service}</td>
                  <td class="num">{formatNumber(p.count)}</td>
                  <td>
                    <LevelMix levels={p.levels} />
                  </td>
                  <td>
                    <PatternSparkline series={p.series} template={p.template} />
                  </td>
                  <td>{formatTime(p.last_seen)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </main>
  )
}
