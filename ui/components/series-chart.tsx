import { useState } from "preact/hooks"
import { formatTick, formatTime } from "../format.ts"

/**
 * A small time-series chart in plain SVG: bars or a line, an optional threshold line, and the
 * points that meet a condition drawn apart. It takes focus; the arrow keys (Home, End) step
 * through the points and the caption reads the one in focus aloud, so it works without a mouse.
 */

export interface Point {
  /** Bucket start, epoch ms. */
  readonly t: number
  readonly value: number
}

export interface SeriesChartProps {
  /** The chart's name: its SVG title and caption. */
  readonly title: string
  readonly points: ReadonlyArray<Point>
  readonly bucketMs: number
  readonly kind: "bars" | "line"
  readonly format: (value: number) => string
  /** The y axis goes at least this high (e.g. 1 for a ratio, the threshold of a rule). */
  readonly minMax?: number
  readonly threshold?: number
  /** Points for which this holds are drawn as "hot" (e.g. those meeting an alert's condition). */
  readonly hot?: (value: number) => boolean
  readonly testId?: string
}

const WIDTH = 400
const HEIGHT = 80

export const SeriesChart = ({ title, points, bucketMs, kind, format, minMax = 0, threshold, hot, testId }: SeriesChartProps) => {
  const [focus, setFocus] = useState<number | undefined>()
  const start = points[0]?.t ?? 0
  const span = Math.max(bucketMs, (points.at(-1)?.t ?? start) + bucketMs - start)
  const peak = Math.max(0, ...points.map((p) => p.value))
  const max = Math.max(minMax, threshold ?? 0, peak) || 1
  const x = (t: number) => ((t - start) / span) * WIDTH
  const y = (v: number) => HEIGHT - (v / max) * (HEIGHT - 2)
  const barWidth = Math.max(0.5, (bucketMs / span) * WIDTH - 0.5)

  const onKeyDown = (e: KeyboardEvent) => {
    const last = points.length - 1
    const moves: Record<string, number> = { ArrowLeft: (focus ?? last + 1) - 1, ArrowRight: (focus ?? -1) + 1, Home: 0, End: last }
    if (last < 0 || !(e.key in moves)) return
    e.preventDefault()
    setFocus(Math.min(last, Math.max(0, moves[e.key]!)))
  }
  const focused = focus !== undefined ? points[focus] : undefined
  const path = points.map((p, i) => `${i === 0 ? "M" : "L"}${(x(p.t) + barWidth / 2).toFixed(1)},${y(p.value).toFixed(1)}`).join(" ")

  return (
    <figure class="chart" data-testid={testId}>
      <figcaption>
        <span class="chart-title">{title}</span>
        <span class="muted chart-readout" aria-live="polite">
          {focused ? `${formatTime(focused.t)}: ${format(focused.value)}` : points.length ? `peak ${format(peak)}` : ""}
        </span>
      </figcaption>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        preserveAspectRatio="none"
        role="img"
        // biome-ignore lint/a11y/noNoninteractiveTabindex: the chart takes the arrow keys (see onKeyDown)
        tabIndex={0}
        onKeyDown={onKeyDown}
        onBlur={() => setFocus(undefined)}
        onPointerLeave={() => setFocus(undefined)}
        onPointerMove={(e) => {
          const box = (e.currentTarget as SVGSVGElement).getBoundingClientRect()
          const i = Math.floor(((e.clientX - box.left) / box.width) * (span / bucketMs))
          setFocus(i >= 0 && i < points.length ? i : undefined)
        }}
      >
        <title>{title}</title>
        {kind === "bars" ? (
          points.map((p, i) => (
            <rect
              key={p.t}
              class={`col${hot?.(p.value) ? " hot" : ""}${i === focus ? " focus" : ""}`}
              x={x(p.t)}
              y={y(p.value)}
              width={barWidth}
              height={HEIGHT - y(p.value)}
            />
          ))
        ) : (
          <path class="line" d={path} />
        )}
        {focused && <line class="cursor" x1={x(focused.t) + barWidth / 2} x2={x(focused.t) + barWidth / 2} y1={0} y2={HEIGHT} />}
        {threshold !== undefined && <line class="threshold" data-testid="threshold" x1={0} x2={WIDTH} y1={y(threshold)} y2={y(threshold)} />}
        <line class="axis" x1={0} x2={WIDTH} y1={HEIGHT} y2={HEIGHT} />
      </svg>
      <div class="ticks" aria-hidden="true">
        <span class="first">{points.length ? formatTick(start, span) : ""}</span>
        <span class="last">{points.length ? formatTick(start + span, span) : ""}</span>
      </div>
    </figure>
  )
}
