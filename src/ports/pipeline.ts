import { Context, type Effect, type Scope } from "effect"
import type { FlushHistory } from "../domain/flush-history.ts"
import type { LogRecord } from "../domain/log-record.ts"

/** What a running pipeline offers the rest of the process (features reach its actors only through this). */

export interface TailSubscription {
  /** Waits for at least one record; returns them with the number missed since the last call. */
  readonly next: Effect.Effect<{ readonly records: ReadonlyArray<LogRecord>; readonly missed: number }>
}

/** Live tail: every committed record that a subscriber's matcher accepts, until its scope closes. */
export interface LiveTail {
  readonly subscribe: (matches: (record: LogRecord) => boolean) => Effect.Effect<TailSubscription, never, Scope.Scope>
  readonly subscriberCount: () => number
}

export class Pipeline extends Context.Tag("Pipeline")<
  Pipeline,
  {
    /** The live-tail hub, when the topology has one. */
    readonly tail: LiveTail | undefined
    /** The indexer's recent flushes. */
    readonly flushes: FlushHistory
  }
>() {}
