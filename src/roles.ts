import type { Role } from "../pipelines/topology.ts"

/**
 * The long-running roles of `bun run src/main.ts <role>`. A new role is one entry here and
 * one topology in pipelines/topology.ts; main.ts, its usage text, and the Compose file's test
 * read this table.
 */

export interface ServerRole {
  readonly summary: string
  /** Roles that hand records to other processes cannot run on the in-process bus. */
  readonly needsKafka: boolean
}

export const SERVER_ROLES: Record<Role, ServerRole> = {
  all: { summary: "ingest, pipeline, store and API in one process (default)", needsKafka: false },
  api: { summary: "HTTP API: ingest publishes to Kafka, reads go to the store (scale horizontally)", needsKafka: true },
  worker: { summary: "consumes Kafka partitions into the store; HTTP for /health and /metrics (scale horizontally)", needsKafka: true }
}

export const isServerRole = (name: string): name is Role => Object.hasOwn(SERVER_ROLES, name)
