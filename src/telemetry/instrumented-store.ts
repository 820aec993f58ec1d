import { Effect, Layer } from "effect"
import { LogStore } from "../ports/log-store.ts"
import { Telemetry } from "../ports/telemetry.ts"

/**
 * Wraps whichever LogStore is configured so every operation is counted and timed
 * (`<engine>_queries_total{operation}`, `<engine>_query_duration_seconds{operation}`) and
 * appears as a span (`LogStore.<operation>`) in traces.
 */
export const instrumentStore = <E, R>(inner: Layer.Layer<LogStore, E, R>) =>
  Layer.effect(
    LogStore,
    Effect.gen(function* () {
      const store = yield* LogStore
      const telemetry = yield* Telemetry
      const measured = <A, Err>(operation: string, effect: Effect.Effect<A, Err>) =>
        Effect.suspend(() => {
          const started = performance.now()
          telemetry.storeQueries.inc({ operation })
          return effect.pipe(
            Effect.ensuring(Effect.sync(() => telemetry.storeQueryDuration.observe({ operation }, (performance.now() - started) / 1000))),
            Effect.withSpan(`LogStore.${operation}`)
          )
        })
      return LogStore.of({
        index: (batch) => measured("index", store.index(batch)),
        search: (request) => measured("search", store.search(request)),
        get: (id) => measured("get", store.get(id)),
        context: (id, before, after) => measured("context", store.context(id, before, after)),
        facets: (request, fields, top, scanLimit) => measured("facets", store.facets(request, fields, top, scanLimit)),
        histogram: (request, bucketMs) => measured("histogram", store.histogram(request, bucketMs)),
        counts: (filter) => measured("counts", store.counts(filter)),
        series: (filter, bucketMinutes) => measured("series", store.series(filter, bucketMinutes)),
        topErrors: (filter, limit) => measured("top_errors", store.topErrors(filter, limit)),
        allTime: (service) => measured("all_time", store.allTime(service)),
        expire: (rule, limit) => measured("expire", store.expire(rule, limit)),
        health: store.health
      })
    })
  ).pipe(Layer.provide(inner))
