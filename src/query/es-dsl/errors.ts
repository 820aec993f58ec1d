import { Data } from "effect"

/**
 * A search LogFlow will not run: a body Elasticsearch would refuse (`parsing_exception`,
 * `x_content_parse_exception`), a part of the query DSL outside the subset LogFlow compiles
 * (`illegal_argument_exception` naming the part), or a bound the search would pass (named with
 * its setting). All are the client's to fix: HTTP 400, rendered in Elasticsearch's error shape.
 */
export class EsDslError extends Data.TaggedError("EsDslError")<{ readonly esType: string; readonly reason: string }> {
  readonly status = 400
  readonly code = "invalid_query"
  override get message() {
    return this.reason
  }
}

/** A malformed body or a value of the wrong type at `path`. */
export const malformed = (path: string, what: string) => new EsDslError({ esType: "parsing_exception", reason: `[${path}] ${what}` })

/** A part of the query DSL LogFlow does not run. */
export const unsupported = (path: string, what: string) =>
  new EsDslError({ esType: "illegal_argument_exception", reason: `[${path}] ${what} is not supported by LogFlow (see docs/elasticsearch-search.md)` })

/** A bound the search would pass, with the setting that sets it. */
export const tooExpensive = (what: string, setting: string) => new EsDslError({ esType: "illegal_argument_exception", reason: `${what} (${setting})` })
