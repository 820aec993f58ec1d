import { Context, Effect, Layer } from "effect"

/** What the API needs of the alert engine: a nudge after a rule changed, and its state for /health. */
export class AlertEngine extends Context.Tag("AlertEngine")<
  AlertEngine,
  {
    readonly rulesChanged: Effect.Effect<void>
    readonly status: Effect.Effect<{ readonly leader: boolean; readonly evaluators: number }>
  }
>() {
  /** For processes that serve the API but do not evaluate: other processes pick changes up on their next sync. */
  static readonly Remote = Layer.succeed(AlertEngine, AlertEngine.of({ rulesChanged: Effect.void, status: Effect.succeed({ leader: false, evaluators: 0 }) }))
}
