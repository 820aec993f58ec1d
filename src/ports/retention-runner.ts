import { Context, type Effect } from "effect"

/** Asks for a retention pass now (after its settings changed) instead of at the next tick. */
export class RetentionRunner extends Context.Tag("RetentionRunner")<RetentionRunner, { readonly runNow: Effect.Effect<void> }>() {}
