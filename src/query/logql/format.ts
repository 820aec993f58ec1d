import type { LabelPredicate, Matcher, MetricQuery, Query, Stage } from "./ast.ts"

/** The AST printed back as LogQL in one canonical layout (`/loki/api/v1/format_query`). */

const quote = (s: string) => JSON.stringify(s)
const matcher = (m: Matcher) => `${m.name}${m.op}${quote(m.value)}`

const duration = (ms: number) => {
  const units: Array<[string, number]> = [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
    ["ms", 1]
  ]
  let out = ""
  let left = ms
  for (const [unit, size] of units) {
    if (left >= size) {
      out += `${Math.floor(left / size)}${unit}`
      left %= size
    }
  }
  return out || "0s"
}

const predicate = (p: LabelPredicate): string => {
  if (p.kind === "match") return matcher(p.matcher)
  if (p.kind === "compare") return `${p.name}${p.op}${p.text}`
  const side = (q: LabelPredicate) => (q.kind === "or" && p.kind === "and" ? `(${predicate(q)})` : predicate(q))
  return `${side(p.left)} ${p.kind} ${side(p.right)}`
}

const stage = (s: Stage): string => {
  switch (s.kind) {
    case "line_filter":
      return `${s.op} ${s.values.map(quote).join(" or ")}`
    case "json":
    case "logfmt":
      return `| ${s.kind}${s.params.length ? ` ${s.params.map((p) => (p.name === p.path ? p.name : `${p.name}=${quote(p.path)}`)).join(", ")}` : ""}`
    case "label_filter":
      return `| ${predicate(s.predicate)}`
    case "line_format":
      return `| line_format ${quote(s.template)}`
    case "label_format":
      return `| label_format ${s.assignments.map((a) => `${a.name}=${a.template ? quote(a.value) : a.value}`).join(", ")}`
    case "drop":
    case "keep":
      return `| ${s.kind} ${s.labels.map((l) => (l.matcher ? matcher(l.matcher) : l.name)).join(", ")}`
    case "decolorize":
      return "| decolorize"
  }
}

const logQuery = (matchers: ReadonlyArray<Matcher>, stages: ReadonlyArray<Stage>) => [`{${matchers.map(matcher).join(", ")}}`, ...stages.map(stage)].join(" ")

const grouping = (g: { without: boolean; labels: ReadonlyArray<string> } | undefined) => (g ? ` ${g.without ? "without" : "by"} (${g.labels.join(", ")})` : "")

const metric = (q: MetricQuery): string => {
  switch (q.kind) {
    case "number":
      return String(q.value)
    case "vector":
      return `vector(${q.value})`
    case "range": {
      const unwrap = q.unwrap ? ` | unwrap ${q.unwrap.conversion ? `${q.unwrap.conversion}(${q.unwrap.label})` : q.unwrap.label}` : ""
      const offset = q.offsetMs ? ` offset ${duration(q.offsetMs)}` : ""
      const param = q.param === undefined ? "" : `${q.param}, `
      return `${q.fn}(${param}${logQuery(q.log.matchers, q.log.stages)}${unwrap} [${duration(q.rangeMs)}]${offset})${grouping(q.grouping)}`
    }
    case "vector_agg":
      return `${q.fn}${grouping(q.grouping)}(${q.param === undefined ? "" : `${q.param}, `}${metric(q.inner)})`
    case "binary": {
      const side = (s: MetricQuery) => (s.kind === "binary" ? `(${metric(s)})` : metric(s))
      return `${side(q.left)} ${q.op}${q.bool ? " bool" : ""} ${side(q.right)}`
    }
  }
}

export const formatQuery = (query: Query): string => (query.kind === "log" ? logQuery(query.matchers, query.stages) : metric(query))
