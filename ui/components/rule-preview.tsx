import { useEffect, useState } from "preact/hooks"
import { api, errorText, isAbort, qs } from "../api.ts"
import { type Condition, CONDITIONS, conditionHolds } from "../alert-types.ts"
import { formatNumber } from "../format.ts"
import { previewPlan } from "../rule-preview-plan.ts"
import type { HistogramData } from "./histogram.tsx"
import { SeriesChart } from "./series-chart.tsx"

/**
 * What a rule being edited would have seen: the count of its matching logs over each window of
 * `time_window` minutes, stepping through the recent past (at least an hour, or four windows),
 * with the threshold line, the windows that meet the condition drawn in red. From the search
 * histogram, the same count the alert engine takes, so the preview and the rule agree.
 */

export interface PreviewRule {
  readonly condition: Condition
  readonly threshold: string
  readonly time_window: string
  readonly levels: ReadonlyArray<string>
  readonly services: string
  readonly query: string
}

const MINUTE = 60_000
/** Edits settle before the preview asks again: typing a threshold is not a search per key. */
const DEBOUNCE_MS = 500

/** Sums of `k` consecutive buckets: the count of the window ending with each bucket. */
const windowSums = (counts: ReadonlyArray<{ t: number; value: number }>, k: number) => {
  const out: { t: number; value: number }[] = []
  let sum = 0
  counts.forEach((c, i) => {
    sum += c.value
    if (i >= k) sum -= counts[i - k]!.value
    if (i >= k - 1) out.push({ t: c.t, value: sum })
  })
  return out
}

export const RulePreview = ({ rule }: { rule: PreviewRule }) => {
  const window = Number(rule.time_window)
  const threshold = Number(rule.threshold)
  const valid = Number.isInteger(window) && window >= 1 && window <= 10_080
  const [data, setData] = useState<{ points: { t: number; value: number }[]; bucketMs: number; roundedWindow: number | undefined } | undefined>()
  const [error, setError] = useState<string | undefined>()

  useEffect(() => {
    if (!valid) return
    const controller = new AbortController()
    const timer = setTimeout(() => {
      const plan = previewPlan(window)
      const now = Date.now()
      const params = {
        query: rule.query.trim(),
        service: rule.services,
        level: rule.levels.join(","),
        from: now - (plan.range + window) * MINUTE,
        to: now,
        interval: plan.interval
      }
      api<HistogramData>(`/api/v1/logs/histogram${qs(params)}`, { signal: controller.signal }).then(
        (h) => {
          const counts = h.buckets.map((b) => ({ t: Date.parse(b.timestamp), value: b.count }))
          setData({
            points: windowSums(counts, plan.windowBuckets).slice(-Math.ceil(plan.range / plan.bucket)),
            bucketMs: plan.bucket * MINUTE,
            roundedWindow: plan.exact ? undefined : plan.windowBuckets * plan.bucket
          })
          setError(undefined)
        },
        (e) => isAbort(e) || setError(errorText(e))
      )
    }, DEBOUNCE_MS)
    return () => {
      clearTimeout(timer)
      controller.abort()
    }
  }, [window, valid, rule.query, rule.services, rule.levels.join(",")])

  const holds = (v: number) => Number.isFinite(threshold) && conditionHolds(rule.condition, v, threshold)
  const latest = data?.points.at(-1)
  return (
    <section class="rule-preview" aria-label="Preview" data-testid="rule-preview">
      <h2 class="preview-title">Preview</h2>
      {!valid && <p class="muted">Set the window (1 to 10080 minutes) to see the preview.</p>}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {valid && data && (
        <>
          <SeriesChart
            title={`Matching logs per ${data.roundedWindow === undefined ? window : `≈ ${data.roundedWindow}`} min window, with the threshold (${CONDITIONS[rule.condition]} ${formatNumber(threshold, 2)})`}
            points={data.points}
            bucketMs={data.bucketMs}
            kind="bars"
            format={formatNumber}
            {...(Number.isFinite(threshold) ? { threshold } : {})}
            hot={holds}
            testId="preview-chart"
          />
          <p class="muted" data-testid="preview-summary">
            Now: {formatNumber(latest?.value ?? 0)} in the last {window} min; the condition {latest && holds(latest.value) ? "holds" : "does not hold"}.{" "}
            {formatNumber(data.points.filter((p) => holds(p.value)).length)} of the {formatNumber(data.points.length)} windows shown meet it.
          </p>
        </>
      )}
    </section>
  )
}
