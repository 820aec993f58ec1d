import { test } from "bun:test"
import { Effect, type Scope, TestContext, type TestServices } from "effect"

/**
 * `bun:test` has no `it.effect`: this runs a scoped Effect test with TestClock and the other
 * test services provided, so time-based behaviour is driven by `TestClock.adjust`.
 */
export const effectTest = (
  name: string,
  body: () => Effect.Effect<unknown, unknown, Scope.Scope | TestServices.TestServices>,
  timeout?: number
) => test(name, () => Effect.runPromise(body().pipe(Effect.scoped, Effect.provide(TestContext.TestContext))), timeout)
