import { useEffect, useMemo, useRef, useState } from "preact/hooks"
import { api, errorText, isAbort, qs } from "../api.ts"
import { ContextDialog } from "../components/context-dialog.tsx"
import { FieldSidebar, type FacetsJson } from "../components/field-sidebar.tsx"
import { Histogram, type HistogramData } from "../components/histogram.tsx"
import { LogTable } from "../components/log-table.tsx"
import { DEFAULT_RANGE, describeRange, type TimeRange, TimeRangePicker } from "../components/time-range.tsx"
import { formatNumber } from "../format.ts"
import { highlightPattern } from "../highlight.tsx"
import { addClause } from "../query-clause.ts"
import type { Route } from "../route.ts"
import { href, replaceParams } from "../route.ts"
import type { LogJson, SearchPage as Page } from "../types.ts"

/**
 * Search: the query language, a time range, the histogram of matches stacked by level (drag to
 * zoom), the fields of the matches (a click narrows the query) and the newest matching lines,
 * pages further with "Load older". The query and range live in the address, so a reload or a
 * shared link shows the same search.
 */

const PAGE_SIZE = 100
/** The field list: attribute keys shown, and values per field. */
const FACET_ATTRIBUTES = 8
const FACET_TOP = 5

export const SearchPage = ({ route }: { route: Route }) => {
  const initialQuery = route.params.get("query") ?? ""
  const [draft, setDraft] = useState(initialQuery)
  const [query, setQuery] = useState(initialQuery)
  const [range, setRange] = useState<TimeRange>({ from: route.params.get("from") ?? DEFAULT_RANGE.from, to: route.params.get("to") ?? DEFAULT_RANGE.to })
  const [page, setPage] = useState<Page | undefined>()
  const [logs, setLogs] = useState<ReadonlyArray<LogJson>>([])
  const [histogram, setHistogram] = useState<HistogramData | undefined>()
  const [facets, setFacets] = useState<FacetsJson | undefined>()
  const [facetsError, setFacetsError] = useState<string | undefined>()
  const [error, setError] = useState<string | undefined>()
  const [loading, setLoading] = useState(false)
  const [context, setContext] = useState<LogJson | undefined>()
  const [run, setRun] = useState(0)
  const input = useRef<HTMLInputElement>(null)

  // A link to another search (e.g. "More from <service>") changes the address: follow it.
  // (Searching rewrites the address without a hashchange, so every hashchange is a new link.)
  useEffect(() => {
    const q = route.params.get("query") ?? ""
    setDraft(q)
    setQuery(q)
    const from = route.params.get("from")
    const to = route.params.get("to")
    if (from && to) setRange({ from, to })
  }, [route])

  useEffect(() => {
    replaceParams("search", { query, from: range.from, to: range.to })
    const controller = new AbortController()
    const params = { query, from: range.from, to: range.to }
    setLoading(true)
    setError(undefined)
    Promise.all([
      api<Page>(`/api/v1/logs/search${qs({ ...params, limit: PAGE_SIZE })}`, { signal: controller.signal }),
      api<HistogramData>(`/api/v1/logs/histogram${qs({ ...params, by: "level" })}`, { signal: controller.signal })
    ])
      .then(
        ([p, h]) => {
          setPage(p)
          setLogs(p.logs)
          setHistogram(h)
        },
        (e) => {
          if (isAbort(e)) return
          setError(errorText(e))
          setPage(undefined)
          setLogs([])
          setHistogram(undefined)
        }
      )
      .finally(() => controller.signal.aborted || setLoading(false))
    // Apart: the field list is a help, so its failure (e.g. the rate limit) leaves the results shown.
    // The previous list stays until the new one comes, so the page does not jump.
    api<FacetsJson>(`/api/v1/logs/facets${qs({ ...params, attributes: FACET_ATTRIBUTES, top: FACET_TOP })}`, { signal: controller.signal }).then(
      (f) => {
        setFacets(f)
        setFacetsError(undefined)
      },
      (e) => {
        if (isAbort(e)) return
        setFacets(undefined)
        setFacetsError(errorText(e))
      }
    )
    return () => controller.abort()
  }, [query, range.from, range.to, run])

  // "/" anywhere outside a text field jumps to the search box.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement
      if (e.key === "/" && !["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName)) {
        e.preventDefault()
        input.current?.focus()
      }
    }
    addEventListener("keydown", onKey)
    return () => removeEventListener("keydown", onKey)
  }, [])

  const loadOlder = async () => {
    if (!page?.next_cursor) return
    try {
      const next = await api<Page>(`/api/v1/logs/search${qs({ query, from: range.from, to: range.to, limit: PAGE_SIZE, cursor: page.next_cursor })}`)
      setPage(next)
      setLogs([...logs, ...next.logs])
    } catch (e) {
      setError(errorText(e))
    }
  }

  const pattern = useMemo(() => highlightPattern(query), [query])
  const submit = (e: Event) => {
    e.preventDefault()
    setQuery(draft.trim())
    setRun(run + 1)
  }
  const narrow = (clause: string) => {
    const next = addClause(query, clause)
    setDraft(next)
    setQuery(next)
    setRun(run + 1)
  }
  const zoomOut = () => {
    if (!histogram) return
    const from = Date.parse(histogram.from)
    const to = Date.parse(histogram.to)
    const half = (to - from) / 2
    setRange({ from: String(Math.round(from - half)), to: String(Math.min(Date.now(), Math.round(to + half))) })
  }

  return (
    <main class="search-page">
      {/* biome-ignore lint/a11y/useSemanticElements: the <search> element is too new for the console's type definitions; the role says the same */}
      <form class="search-bar" role="search" onSubmit={submit}>
        <input
          ref={input}
          type="search"
          name="query"
          aria-label="Search query"
          aria-keyshortcuts="/"
          placeholder={'Search: words, "phrases", service:api level:error, status:[500 TO 599], AND / OR / NOT   (press / to focus)'}
          value={draft}
          // biome-ignore lint/a11y/noAutofocus: the query box is what this page is for; "/" focuses it again
          autoFocus
          spellcheck={false}
          onInput={(e) => setDraft((e.target as HTMLInputElement).value)}
        />
        <TimeRangePicker value={range} onChange={setRange} />
        <button type="submit" class="primary">
          Search
        </button>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {histogram && (
        <section class="histogram-panel">
          <Histogram data={histogram} onZoom={(from, to) => setRange({ from: String(from), to: String(to) })} />
          <div class="histogram-actions">
            <span class="muted" data-testid="range-label">
              {describeRange(range)}
            </span>
            <button type="button" onClick={zoomOut}>
              Zoom out
            </button>
            <a href={href("patterns", { from: range.from, to: range.to })}>Patterns in this range</a>
          </div>
        </section>
      )}
      <div class="search-body">
        {facets && <FieldSidebar facets={facets} onAdd={narrow} />}
        {facetsError && (
          <aside class="field-sidebar muted" aria-label="Fields">
            Fields unavailable: {facetsError}
          </aside>
        )}
        {/* The Patterns tab (GET /api/v1/logs/patterns for this query and range) goes beside the results, as a second view of them. */}
        <section class="results" aria-busy={loading}>
          <p class="summary" aria-live="polite">
            {loading
              ? "Searching…"
              : page
                ? `${formatNumber(page.total)}${page.total_is_lower_bound ? "+" : ""} matches, newest first (${page.took_ms} ms)`
                : ""}
          </p>
          <LogTable logs={logs} pattern={pattern} onContext={setContext} emptyText={loading ? "" : "No logs match this search in this time range."} />
          {page?.next_cursor && (
            <button type="button" class="load-more" onClick={loadOlder}>
              Load older
            </button>
          )}
        </section>
      </div>
      {context && <ContextDialog log={context} onClose={() => setContext(undefined)} />}
    </main>
  )
}
