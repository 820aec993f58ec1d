import { type Level, LEVELS } from "../domain/log-record.ts"
import { words } from "../domain/words.ts"
import type { PatternBucket, PatternTotals } from "../ports/pattern-store.ts"

/** Reading the pattern store's totals: one entry per template, counts by level, words of a template. */

/**
 * One entry per service and template: two workers that learned the same template (a partition
 * moved between them) each stored it under their own id. The entry keeps the larger one's id;
 * `ids` are every id merged into it.
 */
export const merged = (rows: ReadonlyArray<PatternTotals>) => {
  const byTemplate = new Map<string, { pattern: PatternTotals; ids: string[] }>()
  for (const row of rows) {
    const key = `${row.service}\u0000${row.template}`
    const held = byTemplate.get(key)
    if (held === undefined) {
      byTemplate.set(key, { pattern: row, ids: [row.id] })
      continue
    }
    const [big, small] = held.pattern.count >= row.count ? [held.pattern, row] : [row, held.pattern]
    held.ids.push(row.id)
    held.pattern = {
      ...big,
      count: big.count + small.count,
      firstSeen: Math.min(big.firstSeen, small.firstSeen),
      lastSeen: Math.max(big.lastSeen, small.lastSeen),
      levels: Object.fromEntries(LEVELS.map((level) => [level, big.levels[level] + small.levels[level]])) as Record<Level, number>
    }
  }
  return [...byTemplate.values()]
}

/** Records of some levels (none: all). */
export const countIn = (p: PatternTotals, levels: ReadonlyArray<Level>) => (levels.length === 0 ? p.count : levels.reduce((n, level) => n + p.levels[level], 0))

/** Whether a template holds every one of some (folded) words. */
export const matchesWords = (template: string, wanted: ReadonlyArray<string>) => {
  if (wanted.length === 0) return true
  const have = new Set(words(template))
  return wanted.every((w) => have.has(w))
}

/** Each entry's records per bucket (by the entry's kept id), summed over every id merged into it. */
export const seriesByEntry = (
  entries: ReadonlyArray<{ readonly pattern: PatternTotals; readonly ids: ReadonlyArray<string> }>,
  buckets: ReadonlyArray<PatternBucket>
) => {
  const entryOf = new Map(entries.flatMap(({ pattern, ids }) => ids.map((id) => [id, pattern.id] as const)))
  const series = new Map<string, Map<number, number>>()
  for (const b of buckets) {
    const entry = entryOf.get(b.patternId)!
    let points = series.get(entry)
    if (points === undefined) series.set(entry, (points = new Map()))
    points.set(b.bucket, (points.get(b.bucket) ?? 0) + b.count)
  }
  return series
}
