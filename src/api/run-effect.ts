import { Cause, Effect, Exit, Runtime, Tracer } from "effect"
import { PipelineClosed } from "../domain/errors.ts"
import { CurrentRequest, requestScope } from "../telemetry/request-context.ts"

/**
 * Runs a route's Effect on the application runtime and turns its outcome into what Elysia
 * expects: the value, or a thrown error that the errors plugin maps to a response. Expected
 * failures are thrown as themselves (they carry their status); interruption means shutdown.
 * Inside a request, the effect gets the request's ids (FiberRef and log annotations) and runs
 * in a span that continues the caller's trace.
 */
export type RunEffect<R> = <A, E>(effect: Effect.Effect<A, E, R>) => Promise<A>

export const makeRunEffect = <R>(runtime: Runtime.Runtime<R>): RunEffect<R> => {
  const runExit = Runtime.runPromiseExit(runtime)
  return async (effect) => {
    const request = requestScope.getStore()
    const traced =
      request === undefined
        ? effect
        : effect.pipe(
            Effect.withSpan("http.request", {
              attributes: { "logflow.request_id": request.request_id, "logflow.correlation_id": request.correlation_id },
              parent: Tracer.externalSpan({ traceId: request.trace_id, spanId: request.span_id, sampled: request.sampled })
            }),
            Effect.annotateLogs({ request_id: request.request_id, correlation_id: request.correlation_id, trace_id: request.trace_id }),
            Effect.locally(CurrentRequest, request)
          )
    const exit = await runExit(traced)
    if (Exit.isSuccess(exit)) return exit.value
    const failure = Cause.failureOption(exit.cause)
    if (failure._tag === "Some") throw failure.value
    if (Cause.isInterruptedOnly(exit.cause)) throw new PipelineClosed()
    throw Cause.squash(exit.cause)
  }
}
