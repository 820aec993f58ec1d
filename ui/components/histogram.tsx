import { useRef, useState } from "preact/hooks"
import { formatNumber, formatTick, formatTime } from "../format.ts"
import { LevelLegend, STACK_ORDER } from "./level-legend.tsx"

/**
 * Matches per time bucket as SVG bars, stacked by level when the API split them (`by=level`),
 * with a legend naming each level's colour and count. Drag across it to zoom: the selection
 * becomes the search's time range. From the keyboard: the arrow keys step through the buckets
 * (their counts are read out), Enter zooms into the one in focus. Hand-drawn: a chart library
 * would outweigh the rest of the console.
 */

export interface HistogramBucket {
  readonly timestamp: string
  readonly count: number
  readonly levels?: Readonly<Record<string, number>>
}

export interface HistogramData {
  readonly interval_ms: number
  readonly from: string
  readonly to: string
  /** Present when split by level: the levels each bucket counts. */
  readonly levels?: ReadonlyArray<string>
  readonly buckets: ReadonlyArray<HistogramBucket>
}

const WIDTH = 1000
const HEIGHT = 120

/** One bucket's bars, bottom to top in STACK_ORDER, or one bar when not split. */
const Stack = ({ bucket, x, width, max, hover }: { bucket: HistogramBucket; x: number; width: number; max: number; hover: boolean }) => {
  const scale = (n: number) => (n / max) * (HEIGHT - 4)
  if (!bucket.levels) {
    const h = scale(bucket.count)
    return <rect class={hover ? "bar hover" : "bar"} x={x} y={HEIGHT - h} width={width} height={h} />
  }
  let base = HEIGHT
  return (
    <g class={hover ? "stack hover" : "stack"}>
      {STACK_ORDER.filter((l) => (bucket.levels![l] ?? 0) > 0).map((level) => {
        const h = scale(bucket.levels![level]!)
        base -= h
        return <rect key={level} class={`bar fill-${level.toLowerCase()}`} data-level={level} x={x} y={base} width={width} height={h} />
      })}
    </g>
  )
}

const describeBucket = (b: HistogramBucket) => {
  const parts = b.levels ? STACK_ORDER.filter((l) => (b.levels![l] ?? 0) > 0).map((l) => `${l} ${formatNumber(b.levels![l]!)}`) : []
  return `${formatTime(b.timestamp)}: ${formatNumber(b.count)}${parts.length ? ` (${parts.join(", ")})` : ""}`
}

const levelTotals = (data: HistogramData) => {
  const totals: Record<string, number> = {}
  for (const level of data.levels ?? []) totals[level] = 0
  for (const b of data.buckets) for (const [level, n] of Object.entries(b.levels ?? {})) totals[level] = (totals[level] ?? 0) + n
  return totals
}

export const Histogram = ({ data, onZoom }: { data: HistogramData; onZoom: (from: number, to: number) => void }) => {
  const svg = useRef<SVGSVGElement>(null)
  const [drag, setDrag] = useState<{ start: number; end: number } | undefined>()
  const [hover, setHover] = useState<number | undefined>()

  const start = data.buckets.length ? Date.parse(data.buckets[0]!.timestamp) : Date.parse(data.from)
  const end = Math.max(Date.parse(data.to), start + data.interval_ms * Math.max(1, data.buckets.length))
  const span = end - start
  const max = Math.max(1, ...data.buckets.map((b) => b.count))
  const x = (t: number) => ((t - start) / span) * WIDTH
  const timeAt = (clientX: number) => {
    const box = svg.current!.getBoundingClientRect()
    const ratio = Math.min(1, Math.max(0, (clientX - box.left) / box.width))
    return start + ratio * span
  }
  const barWidth = Math.max(1, (data.interval_ms / span) * WIDTH - 1)
  const ticks = Array.from({ length: 6 }, (_, i) => start + (span * i) / 5)
  const total = data.buckets.reduce((n, b) => n + b.count, 0)

  const onPointerDown = (e: PointerEvent) => {
    if (e.button !== 0) return
    ;(e.currentTarget as Element).setPointerCapture(e.pointerId)
    const t = timeAt(e.clientX)
    setDrag({ start: t, end: t })
  }
  const onPointerMove = (e: PointerEvent) => {
    const t = timeAt(e.clientX)
    if (drag) setDrag({ ...drag, end: t })
    const index = Math.floor((t - start) / data.interval_ms)
    setHover(index >= 0 && index < data.buckets.length ? index : undefined)
  }
  const onPointerUp = () => {
    if (!drag) return
    const from = Math.min(drag.start, drag.end)
    const to = Math.max(drag.start, drag.end)
    setDrag(undefined)
    // A click (no real drag) does not zoom: less than half a bucket or under a second.
    if (to - from >= Math.max(1000, data.interval_ms / 2)) onZoom(Math.floor(from), Math.ceil(to))
  }
  const onKeyDown = (e: KeyboardEvent) => {
    const last = data.buckets.length - 1
    if (last < 0) return
    const moves: Record<string, number> = { ArrowLeft: (hover ?? last + 1) - 1, ArrowRight: (hover ?? -1) + 1, Home: 0, End: last }
    if (e.key in moves) {
      e.preventDefault()
      setHover(Math.min(last, Math.max(0, moves[e.key]!)))
    } else if (e.key === "Enter" && hover !== undefined) {
      e.preventDefault()
      const t = Date.parse(data.buckets[hover]!.timestamp)
      onZoom(t, t + data.interval_ms)
    }
  }

  const hovered = hover !== undefined ? data.buckets[hover] : undefined
  return (
    <figure class="histogram" aria-label={`Histogram: ${formatNumber(total)} matches, ${data.buckets.length} buckets of ${data.interval_ms / 1000} s`}>
      <figcaption>
        <span>{formatNumber(total)} matches over time</span>
        <span class="muted" aria-live="polite" data-testid="histogram-focus">
          {hovered ? describeBucket(hovered) : "drag across the chart to zoom in; arrow keys step through it"}
        </span>
      </figcaption>
      <svg
        ref={svg}
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        preserveAspectRatio="none"
        role="img"
        aria-labelledby="histogram-title"
        // biome-ignore lint/a11y/noNoninteractiveTabindex: the chart takes the arrow keys and Enter (see onKeyDown)
        tabIndex={0}
        data-testid="histogram"
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerLeave={() => drag || setHover(undefined)}
        onKeyDown={onKeyDown}
        onBlur={() => setHover(undefined)}
      >
        <title id="histogram-title">{data.levels ? "Matches per bucket over time, stacked by level" : "Matches per bucket over time"}</title>
        {data.buckets.map((b, i) => (
          <Stack key={b.timestamp} bucket={b} x={x(Date.parse(b.timestamp))} width={barWidth} max={max} hover={i === hover} />
        ))}
        <line class="axis" x1={0} x2={WIDTH} y1={HEIGHT} y2={HEIGHT} />
        {drag && <rect class="selection" x={x(Math.min(drag.start, drag.end))} y={0} width={Math.abs(x(drag.end) - x(drag.start))} height={HEIGHT} />}
      </svg>
      {/* Labels in HTML, not SVG: the chart stretches to the page width and would stretch text with it. */}
      <div class="ticks" aria-hidden="true">
        {ticks.map((t, i) => (
          <span key={t} style={{ left: `${(x(t) / WIDTH) * 100}%` }} class={i === 0 ? "first" : i === ticks.length - 1 ? "last" : ""}>
            {formatTick(t, span)}
          </span>
        ))}
      </div>
      {data.levels && <LevelLegend totals={levelTotals(data)} />}
    </figure>
  )
}
