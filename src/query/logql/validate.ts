import type { LabelPredicate, LogQuery, Matcher, MetricQuery, Query } from "./ast.ts"
import { compileRegex } from "./regex.ts"

/**
 * Every regular expression of a parsed query compiled once, so that a bad one is refused with
 * the query (400, naming it) rather than when a stage first meets a line.
 */

const matcher = (m: Matcher) => {
  if (m.op === "=~" || m.op === "!~") compileRegex(m.value)
}

const predicate = (p: LabelPredicate): void => {
  if (p.kind === "match") matcher(p.matcher)
  else if (p.kind === "and" || p.kind === "or") {
    predicate(p.left)
    predicate(p.right)
  }
}

const logQuery = (q: LogQuery) => {
  q.matchers.forEach(matcher)
  for (const stage of q.stages) {
    if (stage.kind === "line_filter" && (stage.op === "|~" || stage.op === "!~")) for (const v of stage.values) compileRegex(v)
    if (stage.kind === "label_filter") predicate(stage.predicate)
    if (stage.kind === "drop" || stage.kind === "keep") for (const l of stage.labels) if (l.matcher) matcher(l.matcher)
  }
}

const metric = (q: MetricQuery): void => {
  if (q.kind === "range") logQuery(q.log)
  else if (q.kind === "vector_agg") metric(q.inner)
  else if (q.kind === "binary") {
    metric(q.left)
    metric(q.right)
  }
}

/** Throws a LogqlError naming the first invalid regular expression. */
export const validateRegexes = (query: Query) => (query.kind === "log" ? logQuery(query) : metric(query))
