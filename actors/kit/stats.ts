import { Effect, Option } from "effect"
import { ActorRegistry, type ActorStats } from "../../src/ports/actor-registry.ts"

/** Registers the statistics for the life of the current scope, when a registry is provided. */
export const registerStats = (stats: ActorStats) =>
  Effect.serviceOption(ActorRegistry).pipe(
    Effect.flatMap(
      Option.match({
        onNone: () => Effect.void,
        onSome: (registry) => Effect.acquireRelease(registry.register(stats), () => registry.unregister(stats))
      })
    )
  )
