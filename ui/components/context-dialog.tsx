import { useEffect, useRef, useState } from "preact/hooks"
import { api, errorText, isAbort } from "../api.ts"
import { formatTime } from "../format.ts"
import type { ContextJson, LogJson } from "../types.ts"
import { Level } from "./level.tsx"

/**
 * The lines logged just before and after a record by the same service and host, in a modal
 * <dialog> (Esc closes it and focus returns to where it was).
 */
export const ContextDialog = ({ log, onClose }: { log: LogJson; onClose: () => void }) => {
  const dialog = useRef<HTMLDialogElement>(null)
  const anchor = useRef<HTMLLIElement>(null)
  const [context, setContext] = useState<ContextJson | undefined>()
  const [error, setError] = useState<string | undefined>()

  useEffect(() => {
    dialog.current?.showModal()
    const controller = new AbortController()
    api<ContextJson>(`/api/v1/logs/${encodeURIComponent(log.id)}/context?before=25&after=25`, { signal: controller.signal }).then(
      setContext,
      (e) => isAbort(e) || setError(errorText(e))
    )
    return () => controller.abort()
  }, [log.id])
  useEffect(() => anchor.current?.scrollIntoView({ block: "center" }), [context])

  const line = (l: LogJson, current: boolean) => (
    <li key={l.id} ref={current ? anchor : undefined} class={current ? "context-line current" : "context-line"} aria-current={current ? "true" : undefined}>
      <span class="col-time">{formatTime(l.timestamp)}</span> <Level level={l.level} /> <span class="message">{l.message}</span>
    </li>
  )
  return (
    <dialog ref={dialog} class="context" aria-labelledby="context-title" onClose={onClose}>
      <header>
        <h2 id="context-title">
          Context: {log.service}
          {log.host ? ` on ${log.host}` : ""}
        </h2>
        <button type="button" class="close" onClick={() => dialog.current?.close()} aria-label="Close context">
          ✕
        </button>
      </header>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {!context && !error && <p class="muted">Loading…</p>}
      {context && (
        <ol class="context-lines">
          {context.before.map((l) => line(l, false))}
          {line(context.record, true)}
          {context.after.map((l) => line(l, false))}
        </ol>
      )}
    </dialog>
  )
}
