import { Context, type Effect } from "effect"
import type { MetaStoreUnavailable } from "../domain/errors.ts"

/**
 * What every process sharing a store needs to know about retention, kept in the metadata
 * store: when the last pass ran (so that a process taking the retention lease over runs at the
 * next slot, not at once again) and when a pass was last asked for (an admin changed the
 * settings through any process; the lease holder runs it).
 */

export interface RetentionRun {
  /** The slot this pass ran for (epoch ms): passes are due every RETENTION_INTERVAL_MS after it. */
  readonly at: number
  /** The lease holder that ran it. */
  readonly by: string
  readonly deleted: number
}

export class RetentionRuns extends Context.Tag("RetentionRuns")<
  RetentionRuns,
  {
    readonly last: Effect.Effect<RetentionRun | undefined, MetaStoreUnavailable>
    readonly record: (run: RetentionRun) => Effect.Effect<void, MetaStoreUnavailable>
    /** When a pass was last asked for (epoch ms), if ever. */
    readonly requested: Effect.Effect<number | undefined, MetaStoreUnavailable>
    readonly request: (at: number) => Effect.Effect<void, MetaStoreUnavailable>
  }
>() {}
