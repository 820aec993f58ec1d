import { useState } from "preact/hooks"
import { formatTime } from "../format.ts"
import { Highlighted } from "../highlight.tsx"
import type { LogJson } from "../types.ts"
import { JsonView } from "./json-view.tsx"
import { Level } from "./level.tsx"

/**
 * Log lines, newest first. A row opens (click, Enter or Space) to show the whole record as
 * JSON and a button for the lines around it; rows are reachable with Tab.
 */
export const LogTable = ({
  logs,
  pattern,
  onContext,
  emptyText
}: {
  logs: ReadonlyArray<LogJson>
  pattern: RegExp | undefined
  onContext?: (log: LogJson) => void
  emptyText: string
}) => {
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set())
  const toggle = (id: string) => {
    const next = new Set(open)
    if (next.has(id)) next.delete(id)
    else next.add(id)
    setOpen(next)
  }
  if (logs.length === 0) return <p class="empty">{emptyText}</p>
  return (
    <table class="logs">
      <thead>
        <tr>
          <th class="col-time">Time</th>
          <th class="col-level">Level</th>
          <th class="col-service">Service</th>
          <th>Message</th>
        </tr>
      </thead>
      <tbody>
        {logs.map((log) => {
          const expanded = open.has(log.id)
          const firstLine = log.message.split("\n", 1)[0]!
          return [
            <tr
              key={log.id}
              class={expanded ? "log-row expanded" : "log-row"}
              tabIndex={0}
              aria-expanded={expanded}
              data-id={log.id}
              onClick={() => toggle(log.id)}
              onKeyDown={(e) => {
                if (e.key === "Enter" || e.key === " ") {
                  e.preventDefault()
                  toggle(log.id)
                } else if (e.key === "c" && onContext) onContext(log)
              }}
            >
              <td class="col-time">{formatTime(log.timestamp)}</td>
              <td class="col-level">
                <Level level={log.level} />
              </td>
              <td class="col-service">{log.service}</td>
              <td class="col-message">
                <Highlighted text={firstLine} pattern={pattern} />
                {firstLine.length < log.message.length && <span class="more"> …</span>}
              </td>
            </tr>,
            expanded && (
              <tr key={`${log.id}-detail`} class="log-detail">
                <td colSpan={4}>
                  <div class="detail-actions">
                    {onContext && (
                      <button type="button" onClick={() => onContext(log)}>
                        Show context
                      </button>
                    )}
                    <a href={`#/search?query=${encodeURIComponent(`service:"${log.service}"`)}`}>More from {log.service}</a>
                  </div>
                  <JsonView value={log} pattern={pattern} />
                </td>
              </tr>
            )
          ]
        })}
      </tbody>
    </table>
  )
}
