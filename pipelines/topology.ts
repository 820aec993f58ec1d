/**
 * Which actors each role runs and what feeds what, as data (Vector's `inputs:`, Loki's module
 * map). `build.ts` turns a topology into running actors; adding a kind of actor means adding
 * a stage here and a case there, not rewiring code.
 */

export type StageKind = "partition-consumers" | "batch-indexer" | "tail-hub" | "bus-follower" | "pattern-learner"

export interface Stage {
  readonly id: string
  readonly kind: StageKind
  /** Stages that receive this stage's output. */
  readonly outputs: ReadonlyArray<string>
}

/**
 * The embedded all-in-one pipeline: bus partitions → consumers → indexer → tail hub and pattern
 * learner (which learns only where PATTERNS_ENABLED).
 */
export const ALL_IN_ONE: ReadonlyArray<Stage> = [
  { id: "consumers", kind: "partition-consumers", outputs: ["indexer"] },
  { id: "indexer", kind: "batch-indexer", outputs: ["tail", "patterns"] },
  { id: "tail", kind: "tail-hub", outputs: [] },
  { id: "patterns", kind: "pattern-learner", outputs: [] }
]

/** The api role indexes nothing: its live tail follows what every process publishes. */
export const API: ReadonlyArray<Stage> = [
  { id: "follower", kind: "bus-follower", outputs: ["tail"] },
  { id: "tail", kind: "tail-hub", outputs: [] }
]

/**
 * Per role. `api` publishes ingest to Kafka and reads from the store; `worker` consumes the
 * Kafka partitions the consumer group gives it; `alerting` runs the alert engine only.
 */
export const TOPOLOGIES = {
  all: ALL_IN_ONE,
  api: API,
  worker: ALL_IN_ONE,
  // Reads the store and the metadata database only: no pipeline.
  alerting: []
} as const

export type Role = keyof typeof TOPOLOGIES
