/** A pattern as `/api/v1/logs/patterns` lists it, and its records over the range as a small bar chart. */

export interface PatternJson {
  readonly id: string
  readonly service: string
  readonly template: string
  readonly count: number
  readonly first_seen: string
  readonly last_seen: string
  readonly levels: Readonly<Record<string, number>>
  readonly sample_id: string
  readonly search: string
  readonly series: ReadonlyArray<{ readonly timestamp: string; readonly count: number }>
}

export interface PatternsJson {
  readonly total: number
  readonly interval_ms: number
  readonly patterns: ReadonlyArray<PatternJson>
}

/** Records per interval as a small bar chart; its label says what it shows for screen readers. */
export const PatternSparkline = ({ series, template }: { series: PatternJson["series"]; template: string }) => {
  const peak = Math.max(1, ...series.map((p) => p.count))
  const width = 120
  const height = 24
  const bar = width / Math.max(1, series.length)
  return (
    <svg
      class="sparkline"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={`records of "${template}" over the range, at most ${peak} per interval`}
    >
      {series.map((p, i) => {
        const h = p.count === 0 ? 0 : Math.max(1, (p.count / peak) * height)
        return <rect key={p.timestamp} x={i * bar} y={height - h} width={Math.max(1, bar - 1)} height={h} />
      })}
    </svg>
  )
}
