import type { Level } from "../src/domain/log-record.ts"
import type { LearnOutcome, PatternBookOptions, PatternChanges, PatternRow } from "../src/domain/pattern-book.ts"

/** Messages between the pattern learner and its thread (actors/pattern-learner.worker.ts). */

/** A committed batch as columns: only what learning reads, messages cut to their first line. */
export interface LearnColumns {
  readonly ids: ReadonlyArray<string>
  readonly services: ReadonlyArray<string>
  readonly levels: ReadonlyArray<Level>
  readonly times: Float64Array
  readonly lines: ReadonlyArray<string>
}

export type PatternThreadRequest =
  | { readonly type: "open"; readonly options: Omit<PatternBookOptions, "newId"> }
  | { readonly type: "restore"; readonly rows: ReadonlyArray<PatternRow> }
  | ({ readonly type: "learn" } & LearnColumns)
  | { readonly type: "take"; readonly seq: number }
  | { readonly type: "putBack"; readonly changes: PatternChanges }

export type PatternThreadReply =
  | { readonly type: "learned"; readonly records: number }
  | { readonly type: "taken"; readonly seq: number; readonly changes: PatternChanges; readonly outcome: LearnOutcome }
  /** A request that failed; `seq` when it was a take. */
  | { readonly type: "failed"; readonly error: string; readonly seq?: number }
