import { formatNumber } from "../format.ts"

/**
 * The colour of each level in the console's charts, as a legend: a swatch and the level's name
 * and count in text, so the chart reads without telling colours apart.
 */

/** Bottom to top in a stacked bar: the levels that matter most sit on the axis, where they are easiest to compare. */
export const STACK_ORDER = ["FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE"] as const

export const LevelLegend = ({ totals }: { totals: Readonly<Record<string, number>> }) => (
  <ul class="legend" aria-label="Levels" data-testid="histogram-legend">
    {STACK_ORDER.filter((l) => (totals[l] ?? 0) > 0).map((level) => (
      <li key={level} data-level={level}>
        <svg class="swatch" viewBox="0 0 10 10" aria-hidden="true">
          <rect class={`fill-${level.toLowerCase()}`} width="10" height="10" />
        </svg>
        <span class="legend-name">{level}</span> <span class="legend-count">{formatNumber(totals[level]!)}</span>
      </li>
    ))}
  </ul>
)
