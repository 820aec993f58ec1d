import { useEffect, useMemo, useRef, useState } from "preact/hooks"
import { errorText, isAbort, qs } from "../api.ts"
import { LogTable } from "../components/log-table.tsx"
import { formatNumber } from "../format.ts"
import { highlightPattern } from "../highlight.tsx"
import { streamEvents } from "../sse.ts"
import type { LogJson } from "../types.ts"

/**
 * Live tail: matching lines as they are committed, newest on top. Pause keeps the stream open
 * and holds new lines aside (counted) until Resume; the screen keeps the newest 500 lines.
 */

const KEEP = 500
type Status = "connecting" | "live" | "paused" | "stopped" | "error"

export const TailPage = () => {
  const [draft, setDraft] = useState({ query: "", service: "", level: "" })
  const [filter, setFilter] = useState(draft)
  const [running, setRunning] = useState(true)
  const [paused, setPaused] = useState(false)
  const [status, setStatus] = useState<Status>("connecting")
  const [lines, setLines] = useState<ReadonlyArray<LogJson>>([])
  const [held, setHeld] = useState<ReadonlyArray<LogJson>>([])
  const [missed, setMissed] = useState(0)
  const [error, setError] = useState<string | undefined>()
  const pausedRef = useRef(paused)
  pausedRef.current = paused

  useEffect(() => {
    if (!running) {
      setStatus("stopped")
      return
    }
    const controller = new AbortController()
    setStatus("connecting")
    setError(undefined)
    const url = `/api/v1/logs/tail${qs(filter)}`
    streamEvents(url, controller.signal, (event, data) => {
      if (event === "ready") setStatus(pausedRef.current ? "paused" : "live")
      else if (event === "missed") setMissed((n) => n + (JSON.parse(data) as { missed: number }).missed)
      else if (event === "log") {
        const log = JSON.parse(data) as LogJson
        if (pausedRef.current) setHeld((h) => [log, ...h].slice(0, KEEP))
        else setLines((l) => [log, ...l].slice(0, KEEP))
      }
    }).then(
      () => controller.signal.aborted || setStatus("stopped"),
      (e) => {
        if (isAbort(e)) return
        setStatus("error")
        setError(errorText(e))
      }
    )
    return () => controller.abort()
  }, [running, filter])

  const togglePause = () => {
    if (paused) {
      setLines((l) => [...held, ...l].slice(0, KEEP))
      setHeld([])
      setPaused(false)
      if (status === "paused") setStatus("live")
    } else {
      setPaused(true)
      if (status === "live") setStatus("paused")
    }
  }
  // "p" outside a text field pauses and resumes.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement
      if (e.key === "p" && !["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName)) togglePause()
    }
    addEventListener("keydown", onKey)
    return () => removeEventListener("keydown", onKey)
  })

  const pattern = useMemo(() => highlightPattern(filter.query), [filter.query])
  const field = (name: keyof typeof draft, label: string, placeholder: string) => (
    <label>
      {label}{" "}
      <input
        name={name}
        value={draft[name]}
        placeholder={placeholder}
        spellcheck={false}
        onInput={(e) => setDraft({ ...draft, [name]: (e.target as HTMLInputElement).value })}
      />
    </label>
  )

  return (
    <main class="tail-page">
      <form
        class="tail-bar"
        onSubmit={(e) => {
          e.preventDefault()
          setFilter({ ...draft })
          setLines([])
          setHeld([])
          setMissed(0)
          setRunning(true)
        }}
      >
        {field("query", "Query", 'words, "phrases", field:value')}
        {field("service", "Service", "any")}
        {field("level", "Level", "any, e.g. ERROR,FATAL")}
        <button type="submit" class="primary">
          Apply
        </button>
        <button type="button" onClick={togglePause} disabled={!running} aria-pressed={paused} aria-keyshortcuts="p">
          {paused ? `Resume${held.length ? ` (${formatNumber(held.length)} new)` : ""}` : "Pause"}
        </button>
        <button type="button" onClick={() => setRunning(!running)}>
          {running ? "Stop" : "Start"}
        </button>
      </form>
      <p class="summary" aria-live="polite">
        <span class={`status status-${status}`} data-testid="tail-status">
          {status}
        </span>{" "}
        {formatNumber(lines.length)} {lines.length === 1 ? "line" : "lines"} shown{held.length > 0 && `, ${formatNumber(held.length)} held while paused`}
        {missed > 0 && `, ${formatNumber(missed)} missed (the browser fell behind)`}
      </p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <LogTable logs={lines} pattern={pattern} emptyText={status === "live" ? "Waiting for matching logs…" : "No lines yet."} />
    </main>
  )
}
