import { Effect, Layer } from "effect"
import type { Config } from "../config.ts"
import { makeApp, type AppServices } from "./app.ts"
import { Telemetry } from "../ports/telemetry.ts"
import { makeRunEffect } from "./run-effect.ts"

/**
 * Serves the API for the life of the layer. Released first on shutdown (it is built last), so
 * no new request arrives while the pipeline drains; requests in flight still get their answer.
 */
export const HttpServerLive = (config: Config) =>
  Layer.scopedDiscard(
    Effect.gen(function* () {
      const run = makeRunEffect(yield* Effect.runtime<AppServices>())
      const app = makeApp(run, config, yield* Telemetry)
      yield* Effect.acquireRelease(
        Effect.sync(() =>
          app.listen({
            hostname: config.API_HOST,
            port: config.API_PORT,
            // Above the ingest limit so that the route, not Bun, answers oversize bodies with a JSON 413.
            maxRequestBodySize: config.INGEST_MAX_BODY_BYTES + 1024 * 1024,
            ...(config.TLS_CERT_FILE && config.TLS_KEY_FILE ? { tls: { cert: Bun.file(config.TLS_CERT_FILE), key: Bun.file(config.TLS_KEY_FILE) } } : {})
          })
        ),
        (app) => Effect.promise(() => app.stop()).pipe(Effect.timeoutOption("5 seconds"))
      )
      yield* Effect.logInfo(`LogFlow listening on ${config.TLS_CERT_FILE ? "https" : "http"}://${config.API_HOST}:${app.server?.port}`)
    })
  )
