#!/usr/bin/env bun
import { Cause, Effect, Exit, Fiber, Layer } from "effect"
import { MetaDatabaseLive, redactUrl } from "./adapters/meta-store/sql-database.ts"
import { MIGRATIONS } from "./adapters/meta-store/migrations.ts"
import { loggingLayer, roleLayer } from "./app-layer.ts"
import { ConfigError, loadConfig } from "./config.ts"
import { runGeneratorCli } from "./generator/cli.ts"
import { writeLogLine as log } from "./log-line.ts"
import type { Role } from "../pipelines/topology.ts"
import { isServerRole, SERVER_ROLES } from "../pipelines/roles.ts"

/**
 * `bun run src/main.ts <role>`: `all` (default) runs the whole system in this process; `api`
 * and `worker` split it over processes that share Kafka and the store (scale-out);
 * `generate` sends synthetic logs to a running LogFlow (see `--help`).
 */

const USAGE = `usage: bun run src/main.ts [${Object.keys(SERVER_ROLES).join("|")}|migrate|generate] [options]
${Object.entries(SERVER_ROLES)
  .map(([name, role]) => `  ${name.padEnd(9)} ${role.summary}`)
  .join("\n")}
  migrate   apply the metadata store's migrations and exit
  generate  send synthetic multi-service logs to a LogFlow API (bun run generate --help)`

const configOrExit = () => {
  try {
    return loadConfig()
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message)
      process.exit(2)
    }
    throw e
  }
}

const runMigrations = async () => {
  const config = configOrExit()
  // Building the layer applies the migrations; closing the scope disconnects.
  const exit = await Effect.runPromiseExit(Layer.build(MetaDatabaseLive(config.metaDatabaseUrl)).pipe(Effect.scoped, Effect.provide(loggingLayer(config))))
  if (Exit.isFailure(exit)) {
    console.error(`migration failed: ${Cause.pretty(exit.cause)}`)
    return 1
  }
  log("INFO", `metadata store at ${redactUrl(config.metaDatabaseUrl)} is at schema version ${MIGRATIONS.at(-1)!.version}`)
  return 0
}

const runServer = (role: Role) => {
  const config = configOrExit()
  if (SERVER_ROLES[role].needsKafka && !config.KAFKA_BOOTSTRAP_SERVERS) {
    console.error(`invalid configuration:\n  KAFKA_BOOTSTRAP_SERVERS: the ${role} role needs Kafka (set it, or run the all role)`)
    process.exit(2)
  }
  if (config.insecureEngines.length > 0)
    log("WARN", `ALLOW_INSECURE_ENGINES=true: connecting to engines in ways production refuses otherwise:\n${config.insecureEngines.join("\n")}`)
  const fiber = Effect.runFork(Layer.launch(roleLayer(role, config)))
  const stop = (signal: string) => {
    log("INFO", `${signal} received; draining (deadline ${config.SHUTDOWN_TIMEOUT_MS} ms)`)
    setTimeout(() => {
      log("ERROR", "shutdown deadline passed; exiting")
      process.exit(1)
    }, config.SHUTDOWN_TIMEOUT_MS).unref()
    Effect.runFork(Fiber.interrupt(fiber))
  }
  process.once("SIGINT", () => stop("SIGINT"))
  process.once("SIGTERM", () => stop("SIGTERM"))
  fiber.addObserver((exit) => {
    if (Exit.isFailure(exit) && !Cause.isInterruptedOnly(exit.cause)) {
      console.error(`LogFlow stopped: ${Cause.pretty(exit.cause)}`)
      process.exit(1)
    }
    process.exit(0)
  })
}

const [command = "all", ...args] = process.argv.slice(2)

switch (command) {
  case "migrate":
    process.exit(await runMigrations())
    break
  case "generate":
    process.exit(await runGeneratorCli(args))
    break
  case "-h":
  case "--help":
    console.log(USAGE)
    break
  default:
    if (isServerRole(command)) {
      runServer(command)
      break
    }
    console.error(`unknown role '${command}'\n${USAGE}`)
    process.exit(2)
}
