import { useRef, useState } from "preact/hooks"
import { formatNumber, formatTick, formatTime } from "../format.ts"

/**
 * Matches per time bucket as SVG bars. Drag across it to zoom: the selection becomes the
 * search's time range. Hand-drawn; a chart library would outweigh the rest of the console.
 */

export interface HistogramData {
  readonly interval_ms: number
  readonly from: string
  readonly to: string
  readonly buckets: ReadonlyArray<{ readonly timestamp: string; readonly count: number }>
}

const WIDTH = 1000
const HEIGHT = 120

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

  const hovered = hover !== undefined ? data.buckets[hover] : undefined
  return (
    <figure class="histogram" aria-label={`Histogram: ${formatNumber(total)} matches, ${data.buckets.length} buckets of ${data.interval_ms / 1000} s`}>
      <figcaption>
        <span>{formatNumber(total)} matches over time</span>
        <span class="muted">{hovered ? `${formatTime(hovered.timestamp)}: ${formatNumber(hovered.count)}` : "drag across the chart to zoom in"}</span>
      </figcaption>
      <svg
        ref={svg}
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        preserveAspectRatio="none"
        role="img"
        data-testid="histogram"
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerLeave={() => setHover(undefined)}
      >
        <title>Matches per bucket over time</title>
        {data.buckets.map((b, i) => {
          const h = (b.count / max) * (HEIGHT - 4)
          return <rect key={b.timestamp} class={i === hover ? "bar hover" : "bar"} x={x(Date.parse(b.timestamp))} y={HEIGHT - h} width={barWidth} height={h} />
        })}
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
    </figure>
  )
}
