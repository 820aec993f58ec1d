import { Context, Effect } from "effect"

/** Counters every actor keeps about itself; read by /health, the metrics endpoints and Prometheus. */
export interface ActorStats {
  readonly name: string
  readonly kind: string
  handled: number
  failures: number
  restarts: number
  dropped: number
  /** Messages waiting in the mailbox right now. */
  readonly depth: () => number
  readonly capacity: number
}

/** The statistics as reported in /health and /api/v1/metrics/system. */
export const actorSummary = (a: ActorStats) => ({
  name: a.name,
  kind: a.kind,
  mailbox_depth: a.depth(),
  mailbox_capacity: a.capacity,
  handled: a.handled,
  failures: a.failures,
  restarts: a.restarts,
  dropped: a.dropped
})

/** Where running actors make their statistics visible; optional, so unit tests need not provide it. */
export class ActorRegistry extends Context.Tag("ActorRegistry")<
  ActorRegistry,
  {
    readonly register: (stats: ActorStats) => Effect.Effect<void>
    readonly unregister: (stats: ActorStats) => Effect.Effect<void>
    readonly all: () => ReadonlyArray<ActorStats>
  }
>() {
  static readonly make = Effect.sync(() => {
    const actors = new Set<ActorStats>()
    return ActorRegistry.of({
      register: (stats) => Effect.sync(() => void actors.add(stats)),
      unregister: (stats) => Effect.sync(() => void actors.delete(stats)),
      all: () => [...actors]
    })
  })
}
