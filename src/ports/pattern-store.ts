import { Context, type Effect } from "effect"
import type { MetaStoreUnavailable } from "../domain/errors.ts"
import type { Level } from "../domain/log-record.ts"
import type { PatternChanges, PatternRow } from "../domain/pattern-book.ts"

/**
 * Where learned log patterns and their per-minute counts are kept: the metadata store (SQLite,
 * or in scale-out the PostgreSQL every worker shares), so they survive restarts and every
 * process reads the same ones. Counts are written as deltas, so several writers add up.
 */

export interface PatternTotalsFilter {
  readonly service?: string
  /** Minutes from `from` to `to` (epoch ms, both inclusive). */
  readonly from: number
  readonly to: number
}

/** A template's records within a range: its row, the count and the level mix in that range. */
export interface PatternTotals extends PatternRow {
  readonly levels: Readonly<Record<Level, number>>
}

export interface PatternBucket {
  readonly patternId: string
  /** Start of the bucket, epoch ms. */
  readonly bucket: number
  readonly count: number
}

export class PatternStore extends Context.Tag("PatternStore")<
  PatternStore,
  {
    /** Every stored template (a learner restores them at start). */
    readonly load: Effect.Effect<ReadonlyArray<PatternRow>, MetaStoreUnavailable>
    /** Writes templates, adds their counts, deletes evicted ones; one transaction. */
    readonly save: (changes: PatternChanges) => Effect.Effect<void, MetaStoreUnavailable>
    /** Forgets minutes before `before`, and templates last seen before it. */
    readonly prune: (before: number) => Effect.Effect<void, MetaStoreUnavailable>
    /** Templates with records in a range, with their count there (`count`) and level mix. */
    readonly totals: (filter: PatternTotalsFilter) => Effect.Effect<ReadonlyArray<PatternTotals>, MetaStoreUnavailable>
    /** Records of some templates per bucket of `bucketMs` over a range; empty buckets left out. */
    readonly series: (
      ids: ReadonlyArray<string>,
      range: { readonly from: number; readonly to: number },
      bucketMs: number
    ) => Effect.Effect<ReadonlyArray<PatternBucket>, MetaStoreUnavailable>
  }
>() {}
