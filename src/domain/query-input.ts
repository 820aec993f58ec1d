import { Effect } from "effect"
import { InvalidInput } from "./errors.ts"
import { checkFieldQueries } from "./field-query.ts"
import { exceededLimit, type QueryLimits } from "./query-cost.ts"
import { parseTextQuery, QuerySyntaxError, type TextQuery } from "./text-query.ts"

/** Parses query-language text; a syntax error, a bad field value or a query beyond a limit fails naming `field`. */
export const textQueryParam = (field: string, text: string, now: number, limits: QueryLimits): Effect.Effect<TextQuery | undefined, InvalidInput> =>
  Effect.gen(function* () {
    let query: ReturnType<typeof parseTextQuery>
    try {
      query = parseTextQuery(text)
    } catch (e) {
      if (e instanceof QuerySyntaxError) return yield* new InvalidInput({ field, reason: e.message })
      throw e
    }
    const problem = checkFieldQueries(query, now) ?? exceededLimit(query, limits)
    if (problem !== undefined) return yield* new InvalidInput({ field, reason: problem })
    return query
  })
