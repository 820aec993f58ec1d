import { Effect } from "effect"
import { InvalidInput } from "./errors.ts"
import { checkFieldQueries } from "./field-query.ts"
import { parseTextQuery, QuerySyntaxError, type TextQuery } from "./text-query.ts"

/** Parses query-language text; a syntax error or a bad field value fails naming `field`. */
export const textQueryParam = (field: string, text: string, now: number): Effect.Effect<TextQuery | undefined, InvalidInput> =>
  Effect.gen(function* () {
    let query: ReturnType<typeof parseTextQuery>
    try {
      query = parseTextQuery(text)
    } catch (e) {
      if (e instanceof QuerySyntaxError) return yield* new InvalidInput({ field, reason: e.message })
      throw e
    }
    const problem = checkFieldQueries(query, now)
    if (problem !== undefined) return yield* new InvalidInput({ field, reason: problem })
    return query
  })
