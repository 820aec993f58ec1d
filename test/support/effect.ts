import { test } from "bun:test"
import { Effect, type Scope, TestContext, type TestServices } from "effect"

/**
 * `bun:test` has no `it.effect`: this runs a scoped Effect test with TestClock and the other
 * test services provided, so time-based behaviour is driven by `TestClock.adjust`.
 */
export const effectTest = (name: string, body: () => Effect.Effect<unknown, unknown, Scope.Scope | TestServices.TestServices>, timeout?: number) =>
  test(name, () => Effect.runPromise(body().pipe(Effect.scoped, Effect.provide(TestContext.TestContext))), timeout)

/**
 * Yields to other fibers, and to the event loop, until `get` satisfies `done`. Needs no clock,
 * so it works under TestClock (where `Effect.repeat` would wait for time that never passes).
 * It yields with `setImmediate`, not only `Effect.yieldNow`: a loop of microtasks alone would
 * starve the event loop, and with it the replies of worker threads (the store's readers).
 */
const nextTurn = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))

export const waitUntil = <A, E, R>(get: Effect.Effect<A, E, R>, done: (a: A) => boolean): Effect.Effect<A, E, R> =>
  Effect.flatMap(get, (a) => (done(a) ? Effect.succeed(a) : nextTurn.pipe(Effect.andThen(waitUntil(get, done)))))
