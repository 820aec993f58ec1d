import { Duration, Layer, Logger, LogLevel } from "effect"
import { ActorRegistry } from "../actors/stats.ts"
import { PipelineLive } from "../pipelines/build.ts"
import { TOPOLOGIES, type Role } from "../pipelines/topology.ts"
import { MemoryBusLive } from "./adapters/log-bus/memory.ts"
import { SqliteStoreLive } from "./adapters/log-store/sqlite.ts"
import { HttpServerLive } from "./api/server.ts"
import type { Config } from "./config.ts"

/**
 * Picks one adapter per port from the configuration and stacks the layers so that shutdown
 * runs in the right order: HTTP server first, then the pipeline drains, then bus and store.
 */

const LOG_LEVELS = { debug: LogLevel.Debug, info: LogLevel.Info, warning: LogLevel.Warning, error: LogLevel.Error } as const

export const loggingLayer = (config: Config) =>
  Layer.mergeAll(Logger.json, Logger.minimumLogLevel(LOG_LEVELS[config.LOG_LEVEL]))

export const infrastructureLayer = (config: Config) =>
  Layer.mergeAll(
    Layer.effect(ActorRegistry, ActorRegistry.make),
    SqliteStoreLive({ path: config.storePath, synchronous: config.SQLITE_SYNCHRONOUS, countCap: config.SEARCH_COUNT_CAP }),
    MemoryBusLive({
      partitions: config.BUS_PARTITIONS,
      partitionCapacity: config.BUS_PARTITION_CAPACITY,
      enqueueTimeout: Duration.millis(config.INGEST_ENQUEUE_TIMEOUT_MS),
      commitTimeout: Duration.millis(config.INGEST_COMMIT_TIMEOUT_MS)
    })
  )

export const roleLayer = (role: Role, config: Config) =>
  HttpServerLive(config).pipe(
    Layer.provideMerge(PipelineLive(TOPOLOGIES[role], config)),
    Layer.provideMerge(infrastructureLayer(config)),
    Layer.provide(loggingLayer(config))
  )
