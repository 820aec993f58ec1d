import { openapi } from "@elysiajs/openapi"
import { Elysia } from "elysia"
import type { ActorRegistry } from "../../actors/stats.ts"
import type { LogBus } from "../ports/log-bus.ts"
import type { LogStore } from "../ports/log-store.ts"
import { VERSION } from "../version.ts"
import { errors } from "./plugins/errors.ts"
import { logRoutes } from "./routes/logs.ts"
import { systemRoutes } from "./routes/system.ts"
import type { RunEffect } from "./run-effect.ts"

export type AppServices = LogBus | LogStore | ActorRegistry

export interface AppConfig {
  readonly maxBodyBytes: number
}

/** The HTTP API: cross-cutting plugins first, then one module per feature. */
export const makeApp = (run: RunEffect<AppServices>, config: AppConfig) =>
  new Elysia()
    .use(errors)
    .use(openapi({
      path: "/docs",
      documentation: {
        info: { title: "LogFlow", version: VERSION, description: "Log aggregation and analysis: ingest, search, metrics, alerts." },
        tags: [{ name: "logs", description: "Ingest and search" }, { name: "system", description: "Health and discovery" }]
      }
    }))
    .use(systemRoutes(run))
    .use(logRoutes(run, { maxBodyBytes: config.maxBodyBytes }))

export type App = ReturnType<typeof makeApp>
