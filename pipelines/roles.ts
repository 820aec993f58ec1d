import type { Role } from "./topology.ts"

/**
 * The long-running roles of `bun run src/main.ts <role>`. A new role is one entry here and
 * one topology in pipelines/topology.ts; main.ts, its usage text, and the Compose file's test
 * read this table.
 */

export interface ServerRole {
  readonly summary: string
  /** Roles that hand records to other processes cannot run on the in-process bus. */
  readonly needsKafka: boolean
  /** Runs the alert engine (the lease holder among such processes evaluates the rules). */
  readonly evaluatesAlerts: boolean
  /** Serves OTLP/gRPC on OTLP_GRPC_PORT: the roles that take ingest from shippers. */
  readonly servesOtlpGrpc: boolean
}

export const SERVER_ROLES: Record<Role, ServerRole> = {
  all: { summary: "ingest, pipeline, store and API in one process (default)", needsKafka: false, evaluatesAlerts: true, servesOtlpGrpc: true },
  api: {
    summary: "HTTP API: ingest publishes to Kafka, reads go to the store (scale horizontally)",
    needsKafka: true,
    evaluatesAlerts: false,
    servesOtlpGrpc: true
  },
  worker: {
    summary: "consumes Kafka partitions into the store; HTTP for /health and /metrics (scale horizontally)",
    needsKafka: true,
    evaluatesAlerts: false,
    servesOtlpGrpc: false
  },
  alerting: {
    summary: "evaluates alert rules against the store and notifies; one leader among replicas; HTTP for /health and /metrics",
    needsKafka: false,
    evaluatesAlerts: true,
    servesOtlpGrpc: false
  }
}

export const isServerRole = (name: string): name is Role => Object.hasOwn(SERVER_ROLES, name)
