import type { FieldOp, TextQuery } from "../../domain/text-query.ts"
import { words } from "../../domain/words.ts"
import type { EsField } from "./fields.ts"

/**
 * What a compiled query means before it becomes a store search: LogFlow's query AST, or one of
 * the two constants the AST cannot say (`match_all`, `match_none`). Combining folds the
 * constants away, so a store only ever sees a real condition or none.
 */

export type Condition = { readonly kind: "all" } | { readonly kind: "none" } | TextQuery

export const ALL: Condition = { kind: "all" }
export const NONE: Condition = { kind: "none" }

export const and = (parts: ReadonlyArray<Condition>): Condition => {
  if (parts.some((p) => p.kind === "none")) return NONE
  const children = parts.flatMap((p): TextQuery[] => (p.kind === "all" || p.kind === "none" ? [] : p.kind === "and" ? [...p.children] : [p]))
  return children.length === 0 ? ALL : children.length === 1 ? children[0]! : { kind: "and", children }
}

export const or = (parts: ReadonlyArray<Condition>): Condition => {
  if (parts.some((p) => p.kind === "all")) return ALL
  const children = parts.flatMap((p): TextQuery[] => (p.kind === "none" || p.kind === "all" ? [] : p.kind === "or" ? [...p.children] : [p]))
  return children.length === 0 ? NONE : children.length === 1 ? children[0]! : { kind: "or", children }
}

export const not = (part: Condition): Condition => {
  if (part.kind === "all") return NONE
  if (part.kind === "none") return ALL
  return part.kind === "not" ? part.child : { kind: "not", child: part }
}

/** Text of the message: one word is a term, several a phrase (what a keyword-less `term` on a text field can mean). */
export const messageText = (value: string): Condition => {
  const found = words(value)
  if (found.length === 0) return ALL
  return found.length === 1 ? { kind: "term", value: found[0]!, prefix: false } : { kind: "phrase", value }
}

/** One comparison on a field; `value` is already epoch ms for the time field. */
export const compare = (field: EsField, op: FieldOp, value: string, to?: string): Condition => {
  if (field.kind === "message") return messageText(value)
  const name = field.kind === "time" ? "timestamp" : field.name
  return { kind: "field", field: name, op, value, ...(to === undefined ? {} : { to }) }
}

/** The field has a value: always true of the fields every record has. */
export const exists = (field: EsField): Condition => {
  if (field.kind !== "field" || field.name === "service" || field.name === "level") return ALL
  return { kind: "field", field: field.name, op: "wildcard", value: "*" }
}
