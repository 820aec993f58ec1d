import type { Rule } from "./alert-types.ts"
import { fieldClause } from "./query-clause.ts"

/**
 * The search that finds what a rule counts: its services, levels and query as one query of the
 * search language, so a triggered alert links to the very records that fired it.
 */

const anyOf = (field: string, values: ReadonlyArray<string>) => {
  const clauses = values.map((v) => fieldClause(field, v)).filter((c): c is string => c !== undefined)
  return clauses.length > 1 ? `(${clauses.join(" OR ")})` : (clauses[0] ?? "")
}

export const ruleQuery = (rule: Pick<Rule, "services" | "levels" | "query">) =>
  [anyOf("service", rule.services), anyOf("level", rule.levels), rule.query?.trim() ? `(${rule.query.trim()})` : ""].filter((p) => p !== "").join(" ")
