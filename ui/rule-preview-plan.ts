/** Which histogram the alert rule preview asks for (see components/rule-preview.tsx). */

/** Bucket widths (minutes) the histogram API takes, widest first. */
const BUCKETS = [
  [1440, "1d"],
  [60, "1h"],
  [15, "15m"],
  [5, "5m"],
  [1, "1m"]
] as const
/** Under the histogram's 2000 buckets, with room for the partial ones at either end. */
const MAX_BUCKETS = 1900
/** Fewer points than this and the preview is too coarse to read. */
const MIN_POINTS = 60

export interface PreviewPlan {
  readonly bucket: number
  readonly interval: (typeof BUCKETS)[number][1]
  /** Minutes shown: at least an hour, or four windows. */
  readonly range: number
  /** Buckets per window: the window itself when `exact`, else the nearest whole number of buckets. */
  readonly windowBuckets: number
  readonly exact: boolean
}

/**
 * The widest bucket that divides the window and still draws a readable chart, so each point is
 * exactly the count the rule takes; for a window no such bucket fits (a long one of an odd
 * number of minutes), the finest bucket that fits, and windows rounded to whole buckets.
 */
export const previewPlan = (windowMinutes: number): PreviewPlan => {
  const range = Math.max(60, 4 * windowMinutes)
  const fits = (b: number) => (range + windowMinutes) / b <= MAX_BUCKETS
  const exact = BUCKETS.find(([b]) => windowMinutes % b === 0 && range / b >= MIN_POINTS && fits(b))
  if (exact) return { bucket: exact[0], interval: exact[1], range, windowBuckets: windowMinutes / exact[0], exact: true }
  const [bucket, interval] = [...BUCKETS].reverse().find(([b]) => fits(b)) ?? BUCKETS[0]
  return { bucket, interval, range, windowBuckets: Math.max(1, Math.round(windowMinutes / bucket)), exact: false }
}
