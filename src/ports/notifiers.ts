import { Context, type Effect } from "effect"
import type { Notification } from "../domain/notification.ts"

/** Routes each notification to its channel's notifier; never waits for the delivery. */
export class Notifiers extends Context.Tag("Notifiers")<Notifiers, { readonly send: (notification: Notification) => Effect.Effect<void> }>() {}
