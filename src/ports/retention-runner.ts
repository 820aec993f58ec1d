import { Context, type Effect } from "effect"

/** What /health shows of retention in this process. */
export interface RetentionStatus {
  /**
   * `lease`: processes share the store, and the holder of the `retention` lease is the one
   * that runs retention; `solo`: this process is the only one using its store (SQLite).
   */
  readonly mode: "lease" | "solo"
  readonly interval_seconds: number
  /** This process's holder id. */
  readonly this_process: string
  /** Whether this process runs retention now. */
  readonly leader: boolean
  /** The lease as the metadata store has it (lease mode; absent when it cannot be read). */
  readonly lease?: { readonly name: string; readonly holder: string; readonly expires_at: string }
  /** The last pass any process ran (in solo mode: this process since it started). */
  readonly last_run?: { readonly at: string; readonly by: string; readonly deleted: number }
  /** Passes this process has run since it started (also `retention_runs_total`). */
  readonly runs: number
}

export class RetentionRunner extends Context.Tag("RetentionRunner")<
  RetentionRunner,
  {
    /** Asks for a retention pass now (after its settings changed) instead of at the next tick; the lease holder runs it. */
    readonly runNow: Effect.Effect<void>
    readonly status: Effect.Effect<RetentionStatus>
  }
>() {}
