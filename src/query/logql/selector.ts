import { fieldValueOf } from "../../domain/field-query.ts"
import { LEVELS, type Level, type LogRecord } from "../../domain/log-record.ts"
import { parseLevel } from "../../domain/level.ts"
import type { SearchRequest } from "../../domain/search-request.ts"
import type { FieldQuery, TextQuery } from "../../domain/text-query.ts"
import { words } from "../../domain/words.ts"
import type { LineFilter, LogQuery, Matcher, Stage } from "./ast.ts"
import { fieldOfLabel, levelLabel } from "./labels.ts"
import { compileRegex } from "./regex.ts"

/**
 * A log query's stream selector and its leading line filters, compiled into the store's own
 * search (a SearchRequest: services, levels and a native TextQuery), so SQLite, Elasticsearch
 * and OpenSearch narrow the candidates themselves:
 * - `service`/`service_name` and `level`/`detected_level` become the request's service and
 *   level lists; their regular expressions are matched against the services the store knows
 *   and the six levels;
 * - `host`, the ids and attributes become field conditions (`field:value`, negated for `!=`;
 *   `=""` means the label is absent, as in Loki);
 * - `|= "text"` and `!= "text"` become phrase conditions: they match whole words, case
 *   insensitively, exactly like the native search's `"text"`.
 * What the store cannot do (regular expressions on other labels) stays as a predicate over
 * the candidates; line filters it cannot do (`|~`, `!~`, text without a letter or digit) stay
 * in the pipeline.
 */

export interface CompiledSelector {
  readonly request: Pick<SearchRequest, "services" | "levels" | "text">
  /** The selector matches no record at all (a regular expression matching no known service). */
  readonly matchesNothing: boolean
  readonly residual?: (record: LogRecord) => boolean
  /** The stages left for LogFlow to run, in order. */
  readonly stages: ReadonlyArray<Stage>
}

const field = (name: string, op: FieldQuery["op"], value: string): FieldQuery => ({ kind: "field", field: name, op, value })
const not = (child: TextQuery): TextQuery => ({ kind: "not", child })

/** Whether the store can run a line filter: whole-word text, with at least one word. */
export const pushableLineFilter = (stage: Stage): stage is LineFilter =>
  stage.kind === "line_filter" && (stage.op === "|=" || stage.op === "!=") && stage.values.every((v) => words(v).length > 0)

export const lineFilterQuery = (filter: LineFilter): TextQuery => {
  const phrases: TextQuery[] = filter.values.map((value) => ({ kind: "phrase", value }))
  const any = phrases.length === 1 ? phrases[0]! : { kind: "or" as const, children: phrases }
  return filter.op === "|=" ? any : not(any)
}

/** The values of a closed set (services, levels) a list of matchers on it accepts. */
const acceptedValues = <A extends string>(all: ReadonlyArray<A>, matchers: ReadonlyArray<Matcher>, matchesValue: (matcher: Matcher, value: A) => boolean) =>
  all.filter((value) =>
    matchers.every((m) => (m.op === "=" || m.op === "=~" ? matchesValue(m, value) : !matchesValue({ ...m, op: m.op === "!=" ? "=" : "=~" }, value)))
  )

const matchesService = (m: Matcher, service: string) => (m.op === "=" ? service === m.value : compileRegex(m.value).full(service))
const matchesLevel = (m: Matcher, level: Level) =>
  m.op === "=" ? parseLevel(m.value) === level : compileRegex(m.value).full(levelLabel(level)) || compileRegex(m.value).full(level)

const fieldCondition = (m: Matcher): TextQuery | undefined => {
  const name = fieldOfLabel(m.name)
  if (m.op === "=") return m.value === "" ? not(field(name, "wildcard", "*")) : field(name, "eq", m.value)
  if (m.op === "!=") return m.value === "" ? field(name, "wildcard", "*") : not(field(name, "eq", m.value))
  return undefined
}

const residualOf = (matchers: ReadonlyArray<Matcher>) => {
  if (matchers.length === 0) return undefined
  const tests = matchers.map((m) => {
    const re = compileRegex(m.value)
    const name = fieldOfLabel(m.name)
    return (record: LogRecord) => re.full(String(fieldValueOf(record, name) ?? "")) === (m.op === "=~")
  })
  return (record: LogRecord) => tests.every((t) => t(record))
}

export const compileSelector = (query: LogQuery, knownServices: ReadonlyArray<string>): CompiledSelector => {
  const byField = (f: string) => query.matchers.filter((m) => fieldOfLabel(m.name) === f)
  const serviceMatchers = byField("service")
  const levelMatchers = byField("level")
  const others = query.matchers.filter((m) => !serviceMatchers.includes(m) && !levelMatchers.includes(m))

  const onlyEquality = serviceMatchers.length > 0 && serviceMatchers.every((m) => m.op === "=")
  const services =
    serviceMatchers.length === 0
      ? undefined
      : onlyEquality
        ? [...new Set(serviceMatchers.map((m) => m.value))].filter((s) => serviceMatchers.every((m) => m.value === s))
        : acceptedValues([...new Set(knownServices)].sort(), serviceMatchers, matchesService)
  const levels = levelMatchers.length === 0 ? undefined : acceptedValues(LEVELS, levelMatchers, matchesLevel)

  const conditions = others.map(fieldCondition).filter((c): c is TextQuery => c !== undefined)
  const residual = residualOf(others.filter((m) => m.op === "=~" || m.op === "!~"))

  // Line filters before the first stage that changes the line or parses it apply to the stored line.
  const firstOther = query.stages.findIndex((s) => s.kind !== "line_filter")
  const leading = firstOther === -1 ? query.stages : query.stages.slice(0, firstOther)
  const pushed = leading.filter(pushableLineFilter)
  const stages = query.stages.filter((s) => !pushed.includes(s as LineFilter))
  const children = [...conditions, ...pushed.map(lineFilterQuery)]
  const text = children.length === 0 ? undefined : children.length === 1 ? children[0] : { kind: "and" as const, children }

  return {
    request: { ...(services ? { services } : {}), ...(levels && levels.length < LEVELS.length ? { levels } : {}), ...(text ? { text } : {}) },
    matchesNothing: services?.length === 0 || levels?.length === 0,
    ...(residual ? { residual } : {}),
    stages
  }
}
