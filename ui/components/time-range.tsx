import { useEffect, useState } from "preact/hooks"
import { formatTime, toLocalInput } from "../format.ts"

/**
 * The time range of a search, as the API takes it: relative (`now-1h` … `now`) for the presets,
 * epoch milliseconds for a custom or zoomed range.
 */
export interface TimeRange {
  readonly from: string
  readonly to: string
}

export const PRESETS: ReadonlyArray<{ readonly label: string; readonly from: string }> = [
  { label: "Last 5 minutes", from: "now-5m" },
  { label: "Last 15 minutes", from: "now-15m" },
  { label: "Last hour", from: "now-1h" },
  { label: "Last 6 hours", from: "now-6h" },
  { label: "Last 24 hours", from: "now-24h" },
  { label: "Last 7 days", from: "now-7d" }
]

export const DEFAULT_RANGE: TimeRange = { from: "now-1h", to: "now" }

const isPreset = (range: TimeRange) => range.to === "now" && PRESETS.some((p) => p.from === range.from)

export const describeRange = (range: TimeRange) =>
  isPreset(range) ? PRESETS.find((p) => p.from === range.from)!.label : `${formatTime(Number(range.from))} → ${formatTime(Number(range.to))}`

export const TimeRangePicker = ({ value, onChange }: { value: TimeRange; onChange: (range: TimeRange) => void }) => {
  const custom = !isPreset(value)
  const [from, setFrom] = useState("")
  const [to, setTo] = useState("")
  useEffect(() => {
    if (custom) {
      setFrom(toLocalInput(Number(value.from)))
      setTo(toLocalInput(Number(value.to)))
    }
  }, [value.from, value.to])

  const applyCustom = (e: Event) => {
    e.preventDefault()
    const f = new Date(from).getTime()
    const t = new Date(to).getTime()
    if (Number.isFinite(f) && Number.isFinite(t) && f < t) onChange({ from: String(f), to: String(t) })
  }

  return (
    <div class="time-range">
      <label>
        <span class="sr-only">Time range</span>
        <select
          aria-label="Time range"
          value={custom ? "custom" : value.from}
          onChange={(e) => {
            const v = (e.target as HTMLSelectElement).value
            if (v === "custom") {
              const now = Date.now()
              onChange({ from: String(now - 3_600_000), to: String(now) })
            } else onChange({ from: v, to: "now" })
          }}
        >
          {PRESETS.map((p) => (
            <option key={p.from} value={p.from}>
              {p.label}
            </option>
          ))}
          <option value="custom">Custom range…</option>
        </select>
      </label>
      {custom && (
        <form class="custom-range" onSubmit={applyCustom}>
          <label>
            From <input type="datetime-local" step="1" value={from} onInput={(e) => setFrom((e.target as HTMLInputElement).value)} />
          </label>
          <label>
            To <input type="datetime-local" step="1" value={to} onInput={(e) => setTo((e.target as HTMLInputElement).value)} />
          </label>
          <button type="submit">Apply</button>
        </form>
      )}
    </div>
  )
}
