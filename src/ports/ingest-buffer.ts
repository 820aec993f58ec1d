import { Context, type Effect, type Scope } from "effect"
import type { LogRecord } from "../domain/log-record.ts"

/**
 * A buffer in front of the bus for protocols whose senders wait for no acknowledgement
 * (syslog): a listener offers records without ever waiting, and the buffer publishes them in
 * batches, retrying while the pipeline is saturated. What a full buffer means is the
 * listener's choice (a TCP sender is paused, a UDP datagram is dropped).
 */

export interface IngestBufferConfig {
  /** Names the buffer's actor (in /health and the actor metrics). */
  readonly name: string
  /** The `protocol` label of `ingest_records_total` for what it publishes. */
  readonly protocol: string
  /** Records it holds before offers are refused. */
  readonly capacity: number
  /** Bytes of messages it holds before offers are refused, whichever bound comes first. */
  readonly maxBytes: number
  /** Called after each published batch, when the buffer has room again. */
  readonly onRoom: () => void
  /** Records the listener holds outside the buffer (paused senders'), which shutdown still publishes. */
  readonly heldOutside: () => ReadonlyArray<LogRecord>
}

export interface IngestBuffer {
  /** Takes the record when there is room; false when the buffer is full. */
  readonly offer: (record: LogRecord) => boolean
  /** How full it is, 0 to 1: the larger of its records' and its bytes' share of their bounds. */
  readonly fill: () => number
  /** Counts a record the listener had to drop (in the buffer actor's `dropped`). */
  readonly dropped: () => void
}

export class IngestBuffers extends Context.Tag("IngestBuffers")<
  IngestBuffers,
  {
    readonly make: (config: IngestBufferConfig) => Effect.Effect<IngestBuffer, never, Scope.Scope>
  }
>() {}
