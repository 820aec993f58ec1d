import { LogqlError } from "../../../query/logql/errors.ts"
import type { LogQuery, MetricQuery, Query } from "../../../query/logql/ast.ts"
import { parseLogql } from "../../../query/logql/parser.ts"

/**
 * The stream selectors a metadata request names (`query`, `match[]`): each parsed by the one
 * LogQL parser. Only the selector matters to these endpoints, as in Loki: pipeline stages are
 * dropped, and a metric query stands for the log queries inside it.
 */

const logQueriesOf = (query: MetricQuery): LogQuery[] => {
  switch (query.kind) {
    case "range":
      return [query.log]
    case "vector_agg":
      return logQueriesOf(query.inner)
    case "binary":
      return [...logQueriesOf(query.left), ...logQueriesOf(query.right)]
    default:
      return []
  }
}

/** The selectors of one query text, without their pipelines. */
export const selectorsOf = (text: string): LogQuery[] => {
  const parsed: Query = parseLogql(text)
  const logs = parsed.kind === "log" ? [parsed] : logQueriesOf(parsed)
  if (logs.length === 0) throw new LogqlError({ message: `'${text}' has no stream selector` })
  return logs.map((q) => ({ kind: "log", matchers: q.matchers, stages: [] }))
}

/** The first selector of an optional `query` parameter (metadata endpoints take one). */
export const optionalSelector = (text: string | undefined): LogQuery | undefined =>
  text === undefined || text.trim() === "" || text.trim() === "{}" ? undefined : selectorsOf(text)[0]
