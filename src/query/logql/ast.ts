/**
 * One AST for every LogQL query LogFlow accepts: a log query (stream selector, then a pipeline
 * of stages) or a metric query over log queries. The parser builds it, `format.ts` prints it
 * back, `selector.ts` compiles its selector and line filters into the store's own search, and
 * the evaluators run the rest over the candidate records.
 */

export type MatchOp = "=" | "!=" | "=~" | "!~"

export interface Matcher {
  readonly name: string
  readonly op: MatchOp
  readonly value: string
}

/** `|>` and `!>`: Loki's pattern match filters (literal text with `<_>` for any text). */
export type LineFilterOp = "|=" | "!=" | "|~" | "!~" | "|>" | "!>"

export interface LineFilter {
  readonly kind: "line_filter"
  readonly op: LineFilterOp
  /** Alternatives joined by `or` (`|= "a" or "b"`): any of them matches. */
  readonly values: ReadonlyArray<string>
}

export type CompareOp = "==" | "!=" | ">" | ">=" | "<" | "<="

export type LabelPredicate =
  | { readonly kind: "match"; readonly matcher: Matcher }
  | { readonly kind: "compare"; readonly name: string; readonly op: CompareOp; readonly value: number; readonly text: string }
  | { readonly kind: "and" | "or"; readonly left: LabelPredicate; readonly right: LabelPredicate }

export type Stage =
  | LineFilter
  | { readonly kind: "json" | "logfmt"; readonly params: ReadonlyArray<{ readonly name: string; readonly path: string }> }
  | { readonly kind: "label_filter"; readonly predicate: LabelPredicate }
  | { readonly kind: "line_format"; readonly template: string }
  | { readonly kind: "label_format"; readonly assignments: ReadonlyArray<{ readonly name: string; readonly value: string; readonly template: boolean }> }
  | { readonly kind: "drop" | "keep"; readonly labels: ReadonlyArray<{ readonly name: string; readonly matcher?: Matcher }> }
  | { readonly kind: "decolorize" }

export interface LogQuery {
  readonly kind: "log"
  readonly matchers: ReadonlyArray<Matcher>
  readonly stages: ReadonlyArray<Stage>
}

export type RangeFunction =
  | "count_over_time"
  | "rate"
  | "bytes_over_time"
  | "bytes_rate"
  | "sum_over_time"
  | "avg_over_time"
  | "min_over_time"
  | "max_over_time"
  | "first_over_time"
  | "last_over_time"
  | "stddev_over_time"
  | "stdvar_over_time"
  | "quantile_over_time"
  | "absent_over_time"

export type VectorFunction = "sum" | "avg" | "min" | "max" | "count" | "stddev" | "stdvar" | "topk" | "bottomk"

export interface Grouping {
  readonly without: boolean
  readonly labels: ReadonlyArray<string>
}

export interface Unwrap {
  readonly label: string
  readonly conversion?: "duration" | "duration_seconds" | "bytes"
}

export type BinaryOp = "+" | "-" | "*" | "/" | "%" | "^" | "==" | "!=" | ">" | ">=" | "<" | "<=" | "and" | "or" | "unless"

export type MetricQuery =
  | {
      readonly kind: "range"
      readonly fn: RangeFunction
      readonly log: LogQuery
      readonly rangeMs: number
      readonly offsetMs: number
      readonly unwrap?: Unwrap
      /** The φ of quantile_over_time. */
      readonly param?: number
      readonly grouping?: Grouping
    }
  | { readonly kind: "vector_agg"; readonly fn: VectorFunction; readonly inner: MetricQuery; readonly grouping?: Grouping; readonly param?: number }
  | { readonly kind: "binary"; readonly op: BinaryOp; readonly left: MetricQuery; readonly right: MetricQuery; readonly bool: boolean }
  | { readonly kind: "number"; readonly value: number }
  | { readonly kind: "vector"; readonly value: number }

export type Query = LogQuery | MetricQuery

export const RANGE_FUNCTIONS: ReadonlyArray<RangeFunction> = [
  "count_over_time",
  "rate",
  "bytes_over_time",
  "bytes_rate",
  "sum_over_time",
  "avg_over_time",
  "min_over_time",
  "max_over_time",
  "first_over_time",
  "last_over_time",
  "stddev_over_time",
  "stdvar_over_time",
  "quantile_over_time",
  "absent_over_time"
]

/** Range functions that read a value from `| unwrap`; the others count lines or bytes. */
export const UNWRAPPED_FUNCTIONS: ReadonlyArray<RangeFunction> = [
  "sum_over_time",
  "avg_over_time",
  "min_over_time",
  "max_over_time",
  "first_over_time",
  "last_over_time",
  "stddev_over_time",
  "stdvar_over_time",
  "quantile_over_time"
]

export const VECTOR_FUNCTIONS: ReadonlyArray<VectorFunction> = ["sum", "avg", "min", "max", "count", "stddev", "stdvar", "topk", "bottomk"]
