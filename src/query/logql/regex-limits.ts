import type { Config } from "../../config.ts"
import type { LabelPredicate, LogQuery, MetricQuery, Query } from "./ast.ts"
import { limitExceeded, type LogqlError } from "./errors.ts"

/**
 * How many regular expressions one LogQL query may hold, and how long each may be. re2js
 * matches in time linear in the text, but each pattern is compiled, and its program's size (and
 * so the cost per character) grows with its length: both are bounded, each a setting, checked
 * before anything runs.
 */

export interface RegexLimits {
  /** Regular expressions in one query (SEARCH_MAX_REGEX). */
  readonly maxRegex: number
  /** Characters of one regular expression (SEARCH_MAX_REGEX_LENGTH). */
  readonly maxRegexLength: number
}

export const regexLimits = (config: Pick<Config, "SEARCH_MAX_REGEX" | "SEARCH_MAX_REGEX_LENGTH">): RegexLimits => ({
  maxRegex: config.SEARCH_MAX_REGEX,
  maxRegexLength: config.SEARCH_MAX_REGEX_LENGTH
})

const ofPredicate = (predicate: LabelPredicate, out: string[]) => {
  if (predicate.kind === "match") {
    if (predicate.matcher.op === "=~" || predicate.matcher.op === "!~") out.push(predicate.matcher.value)
  } else if (predicate.kind === "and" || predicate.kind === "or") {
    ofPredicate(predicate.left, out)
    ofPredicate(predicate.right, out)
  }
}

const ofLog = (query: LogQuery, out: string[]) => {
  for (const m of query.matchers) if (m.op === "=~" || m.op === "!~") out.push(m.value)
  for (const stage of query.stages) {
    if (stage.kind === "line_filter" && (stage.op === "|~" || stage.op === "!~")) out.push(...stage.values)
    else if (stage.kind === "label_filter") ofPredicate(stage.predicate, out)
    else if (stage.kind === "drop" || stage.kind === "keep")
      for (const label of stage.labels) if (label.matcher && (label.matcher.op === "=~" || label.matcher.op === "!~")) out.push(label.matcher.value)
  }
}

const ofMetric = (query: MetricQuery, out: string[]) => {
  switch (query.kind) {
    case "range":
      return ofLog(query.log, out)
    case "vector_agg":
      return ofMetric(query.inner, out)
    case "binary":
      ofMetric(query.left, out)
      return ofMetric(query.right, out)
  }
}

/** Every regular expression of a query, in the order written. */
export const regexesOf = (query: Query): string[] => {
  const out: string[] = []
  if (query.kind === "log") ofLog(query, out)
  else ofMetric(query, out)
  return out
}

/** The first regex limit the query goes beyond, as a 400 naming its setting; undefined when within both. */
export const exceededRegexLimit = (query: Query, limits: RegexLimits): LogqlError | undefined => {
  const regexes = regexesOf(query)
  if (regexes.length > limits.maxRegex)
    return limitExceeded(`the query has ${regexes.length} regular expressions; at most ${limits.maxRegex} are allowed`, "SEARCH_MAX_REGEX")
  const long = regexes.find((r) => r.length > limits.maxRegexLength)
  if (long !== undefined)
    return limitExceeded(`a regular expression of ${long.length} characters; at most ${limits.maxRegexLength} are allowed`, "SEARCH_MAX_REGEX_LENGTH")
  return undefined
}
