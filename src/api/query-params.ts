import { Effect } from "effect"
import { InvalidInput } from "../domain/errors.ts"
import { parseLevel } from "../domain/level.ts"
import type { Level } from "../domain/log-record.ts"
import { parseTime } from "../domain/search-request.ts"

/** Query parameters shared by the search and metrics routes; errors name the parameter. */

/** `a, b,,c` → `["a", "b", "c"]`, without duplicates, sorted (so cache keys are normal). */
export const commaList = (text: string | undefined) =>
  [
    ...new Set(
      text
        ?.split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "") ?? []
    )
  ].sort()

export const levelsParam = (text: string | undefined): Effect.Effect<Level[], InvalidInput> =>
  Effect.forEach(commaList(text), (name) => {
    const level = parseLevel(name)
    return level
      ? Effect.succeed(level)
      : Effect.fail(new InvalidInput({ field: "level", reason: `unknown level '${name}'; use TRACE, DEBUG, INFO, WARN, ERROR or FATAL` }))
  }).pipe(Effect.map((levels) => [...new Set(levels)]))

export const timeParam = (field: "from" | "to", text: string | undefined, now: number): Effect.Effect<number | undefined, InvalidInput> => {
  if (text === undefined) return Effect.succeed(undefined)
  const ms = parseTime(text, now)
  return ms === undefined
    ? Effect.fail(new InvalidInput({ field, reason: `'${text}' is not an ISO-8601 date, epoch milliseconds or now-<n><s|m|h|d|w>` }))
    : Effect.succeed(ms)
}
