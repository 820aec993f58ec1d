import { Effect, Option } from "effect"
import { z } from "zod"
import { NotFound } from "../../domain/errors.ts"

/** What the alert rule and triggered alert routes share: id and paging parameters, and the 404. */

export const IdParam = z.object({ id: z.string().min(1).max(64) })

export const Page = {
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0)
}

/** The value, or NotFound naming `what`. */
export const found = <A>(what: string) =>
  Effect.flatMap(Option.match({ onNone: () => Effect.fail(new NotFound({ what })), onSome: (a: A) => Effect.succeed(a) }))
