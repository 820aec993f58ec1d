import { tokensOf } from "./pattern-book.ts"
import { words } from "./words.ts"

/**
 * The native search that finds a template's records: its service, and the words of its
 * constant parts as phrases (each run of constant words between two variable parts is one
 * phrase, as every store's phrase search reads consecutive words). Every record of the
 * template holds those phrases, so the search misses none of them; records of another template
 * of the service that holds them too are excluded by one phrase of that template's own.
 */

const PLACEHOLDER = /<[A-Z*]+>/

/** The constant word runs of a template, in order: "user <NUM> logged in" → ["user", "logged in"]. */
export const constantRuns = (template: string): string[] => {
  const runs: string[] = []
  let run: string[] = []
  const close = () => {
    if (run.length > 0) runs.push(run.join(" "))
    run = []
  }
  for (const token of tokensOf(template)) {
    const parts = token.split(PLACEHOLDER)
    parts.forEach((part, i) => {
      if (i > 0) close()
      run.push(...words(part))
    })
  }
  close()
  return runs
}

/** Whether every run of `inner` is a run of words inside some run of `outer`. */
const contains = (outer: ReadonlyArray<string>, inner: ReadonlyArray<string>) =>
  inner.every((phrase) => outer.some((run) => ` ${run} `.includes(` ${phrase} `)))

/** Phrases of at most this many other templates are excluded: the query stays short. */
const MAX_EXCLUSIONS = 16

const quoted = (text: string) => `"${text}"`

/**
 * The search query for `template` among `siblings` (the service's other templates that have
 * records in the range). A service name holding `"` cannot be written in the query language:
 * then the query leaves it out and the caller filters by `service=` instead.
 */
export const patternSearch = (service: string, template: string, siblings: ReadonlyArray<string>): string => {
  const runs = constantRuns(template)
  const exclusions: string[] = []
  for (const sibling of siblings) {
    if (sibling === template || exclusions.length >= MAX_EXCLUSIONS) continue
    const theirs = constantRuns(sibling)
    if (!contains(theirs, runs)) continue
    // A phrase of theirs that none of ours holds tells their records apart.
    const own = theirs.find((phrase) => !contains(runs, [phrase]))
    if (own !== undefined) exclusions.push(`-${quoted(own)}`)
  }
  const parts = [...(service.includes('"') ? [] : [`service:${quoted(service)}`]), ...runs.map(quoted), ...exclusions]
  return parts.join(" ")
}
