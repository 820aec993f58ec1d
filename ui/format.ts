/** Display helpers: times in the browser's zone, numbers with separators. */

const pad = (n: number, width = 2) => String(n).padStart(width, "0")

/** `2026-11-30 08:15:02.123` in local time. */
export const formatTime = (value: string | number) => {
  const d = new Date(value)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
}

/** A short axis label: the time of day, with the date when the range spans days. */
export const formatTick = (ms: number, spanMs: number) => {
  const d = new Date(ms)
  const time = spanMs < 120_000 ? `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}` : `${pad(d.getHours())}:${pad(d.getMinutes())}`
  return spanMs > 36 * 3_600_000 ? `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}` : time
}

export const formatNumber = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits })

export const formatPercent = (ratio: number) => `${(ratio * 100).toFixed(ratio < 0.1 ? 2 : 1)}%`

/** For `<input type="datetime-local">`: local time without zone. */
export const toLocalInput = (ms: number) => {
  const d = new Date(ms)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}
