import { Effect } from "effect"
import type { AlertRuleWithSecret, AlertPattern } from "../domain/alert-rule.ts"
import { patternSearch } from "../domain/pattern-search.ts"
import { fold, words } from "../domain/words.ts"
import { countIn, matchesWords, merged } from "../patterns/merged.ts"
import { PatternStore, type PatternTotals } from "../ports/pattern-store.ts"
import type { Observation } from "./triggered.ts"

/**
 * What a pattern rule sees at one evaluation, from the per-minute pattern counts: the rule's
 * window (its last `time_window` minutes) against the `baseline` minutes before it, for the
 * templates of its services whose words hold its query, counting its levels.
 *
 * - `new_pattern`: the value is the count in the window of the most frequent template that had
 *   no record at all in the baseline (0 when there is none);
 * - `pattern_spike`: the value is the largest ratio of a template's rate in the window to its
 *   rate over the baseline, among templates the baseline knows.
 *
 * Either way the observation names that template and carries its search and a sample record.
 */

const MINUTE = 60_000
const DEFAULT_BASELINE_MINUTES = 1_440

type Entry = { readonly pattern: PatternTotals; readonly ids: ReadonlyArray<string> }
const keyOf = (p: PatternTotals) => `${p.service}\u0000${p.template}`

/** The rule's templates in a range: its services, its query's words, counted at its levels. */
const entriesIn = (rule: AlertRuleWithSecret, range: { from: number; to: number }) =>
  Effect.gen(function* () {
    const store = yield* PatternStore
    const rows = yield* store.totals({ ...(rule.services.length === 1 ? { service: rule.services[0]! } : {}), ...range })
    const wanted = words(fold(rule.query ?? ""))
    const inScope = rows.filter((p) => (rule.services.length === 0 || rule.services.includes(p.service)) && matchesWords(p.template, wanted))
    return merged(inScope).map(({ pattern, ids }) => ({ pattern, ids, count: countIn(pattern, rule.levels) }))
  })

/** The strongest template by `score`, and its score; undefined when none scores above 0. */
const strongest = <A extends { readonly score: number }>(candidates: ReadonlyArray<A>): A | undefined =>
  candidates.reduce<A | undefined>((best, c) => (c.score > 0 && (best === undefined || c.score > best.score) ? c : best), undefined)

const alertPattern = (entry: Entry, all: ReadonlyArray<Entry>): AlertPattern => ({
  id: entry.pattern.id,
  service: entry.pattern.service,
  template: entry.pattern.template,
  search: patternSearch(
    entry.pattern.service,
    entry.pattern.template,
    all.filter((e) => e.pattern.service === entry.pattern.service).map((e) => e.pattern.template)
  )
})

export const observePatterns = (rule: AlertRuleWithSecret, now: number) =>
  Effect.gen(function* () {
    const windowMinutes = rule.time_window
    const baselineMinutes = rule.baseline ?? DEFAULT_BASELINE_MINUTES
    // Minutes are counted by their start: the window holds the current minute and the ones before it.
    const windowFrom = Math.floor(now / MINUTE) * MINUTE - (windowMinutes - 1) * MINUTE
    const current = yield* entriesIn(rule, { from: windowFrom, to: now })
    // A new template is one the baseline holds no record of, at any level; a spike compares like with like.
    const baselineRule = rule.condition === "new_pattern" ? { ...rule, levels: [] } : rule
    const baseline = yield* entriesIn(baselineRule, { from: windowFrom - baselineMinutes * MINUTE, to: windowFrom - 1 })
    const known = new Map(baseline.map((e) => [keyOf(e.pattern), e.count]))
    const knownIds = new Set(baseline.flatMap((e) => e.ids))

    const scored =
      rule.condition === "new_pattern"
        ? current.filter((e) => !known.has(keyOf(e.pattern)) && !e.ids.some((id) => knownIds.has(id))).map((e) => ({ ...e, score: e.count }))
        : current.map((e) => {
            const before = known.get(keyOf(e.pattern)) ?? 0
            const ratio = before === 0 ? 0 : e.count / windowMinutes / (before / baselineMinutes)
            return { ...e, score: Math.round(ratio * 100) / 100 }
          })
    const top = strongest(scored)
    return {
      value: top?.score ?? 0,
      sampleLogIds: top ? [top.pattern.sampleId] : [],
      at: new Date(now).toISOString(),
      ...(top ? { pattern: alertPattern(top, current) } : {})
    } satisfies Observation
  }).pipe(Effect.withSpan("Alerting.observePatterns"))
