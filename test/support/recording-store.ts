import { Effect, Layer, Option } from "effect"
import { StoreUnavailable } from "../../src/domain/errors.ts"
import type { LogRecord } from "../../src/domain/log-record.ts"
import { LogStore } from "../../src/ports/log-store.ts"

/**
 * An in-memory LogStore for actor unit tests: it records each `index` call as one batch, and
 * can be told to fail writes or to wait before each write (a slow store). Store behaviour itself is tested on real engines in test/contract.
 */
export const makeRecordingStore = () => {
  const batches: Array<ReadonlyArray<LogRecord>> = []
  const control: { failWrites: boolean; beforeWrite: Effect.Effect<void> } = { failWrites: false, beforeWrite: Effect.void }
  const store = LogStore.of({
    index: (batch) =>
      Effect.suspend(() => control.beforeWrite).pipe(
        Effect.andThen(control.failWrites ? Effect.fail(new StoreUnavailable({ reason: "disk full" })) : Effect.sync(() => void batches.push(batch)))
      ),
    search: () => Effect.die("not used by actor tests"),
    counts: () => Effect.die("not used by actor tests"),
    series: () => Effect.die("not used by actor tests"),
    topErrors: () => Effect.die("not used by actor tests"),
    allTime: () => Effect.die("not used by actor tests"),
    expire: () => Effect.die("not used by actor tests"),
    get: () => Effect.succeed(Option.none()),
    context: () => Effect.die("not used by actor tests"),
    facets: () => Effect.die("not used by actor tests"),
    histogram: () => Effect.die("not used by actor tests"),
    health: Effect.succeed({ status: "healthy" })
  })
  return { batches, control, layer: Layer.succeed(LogStore, store) }
}
