import { Cause, Exit, Runtime, type Effect } from "effect"
import { PipelineClosed } from "../domain/errors.ts"

/**
 * Runs a route's Effect on the application runtime and turns its outcome into what Elysia
 * expects: the value, or a thrown error that the errors plugin maps to a response. Expected
 * failures are thrown as themselves (they carry their status); interruption means shutdown.
 */
export type RunEffect<R> = <A, E>(effect: Effect.Effect<A, E, R>) => Promise<A>

export const makeRunEffect = <R>(runtime: Runtime.Runtime<R>): RunEffect<R> => {
  const runExit = Runtime.runPromiseExit(runtime)
  return async (effect) => {
    const exit = await runExit(effect)
    if (Exit.isSuccess(exit)) return exit.value
    const failure = Cause.failureOption(exit.cause)
    if (failure._tag === "Some") throw failure.value
    if (Cause.isInterruptedOnly(exit.cause)) throw new PipelineClosed()
    throw Cause.squash(exit.cause)
  }
}
