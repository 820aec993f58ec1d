import type { LogRecord } from "../src/domain/log-record.ts"
import type { LearnOutcome, PatternBookOptions, PatternChanges, PatternRow } from "../src/domain/pattern-book.ts"
import { type PatternThreadReply, type PatternThreadRequest, packColumns } from "./pattern-thread-protocol.ts"

/**
 * The main thread's handle on the pattern learner's thread. Batches are posted without waiting,
 * at most `maxBatchesInFlight` not yet learned (beyond, `learn` refuses, so a thread that falls
 * behind never holds unbounded memory). If the thread dies it is replaced by a new one with an
 * empty book: what it had not handed over is lost, and templates are learned again.
 */

export class PatternThread {
  private worker: Worker | undefined
  private inFlight = 0
  private seq = 0
  private readonly takes = new Map<number, { resolve: (taken: { changes: PatternChanges; outcome: LearnOutcome }) => void; reject: (e: Error) => void }>()

  constructor(
    private readonly options: Omit<PatternBookOptions, "newId">,
    private readonly maxBatchesInFlight: number,
    private readonly onFailure: (error: string) => void
  ) {}

  restore(rows: ReadonlyArray<PatternRow>) {
    this.post({ type: "restore", rows })
  }

  /** Hands a batch to the thread; false when too many are still waiting there (the batch is dropped). */
  learn(records: ReadonlyArray<LogRecord>): boolean {
    if (this.inFlight >= this.maxBatchesInFlight) return false
    const columns = packColumns(records)
    // The typed arrays are handed over, not copied; the two strings are copied once each.
    this.post({ type: "learn", ...columns }, [
      columns.lineEnds.buffer,
      columns.idEnds.buffer,
      columns.serviceOf.buffer,
      columns.levels.buffer,
      columns.times.buffer
    ])
    // Counted after posting: a thread started by this post begins with none in flight.
    this.inFlight++
    return true
  }

  /** What changed since the last take, once every batch posted before it is learned. */
  take(): Promise<{ changes: PatternChanges; outcome: LearnOutcome }> {
    const seq = ++this.seq
    return new Promise((resolve, reject) => {
      this.takes.set(seq, { resolve, reject })
      this.post({ type: "take", seq })
    })
  }

  putBack(changes: PatternChanges) {
    this.post({ type: "putBack", changes })
  }

  close() {
    this.worker?.terminate()
    this.worker = undefined
  }

  private post(request: PatternThreadRequest, transfer: Transferable[] = []) {
    const worker = this.worker ?? this.start()
    worker.postMessage(request, transfer)
  }

  private start(): Worker {
    const worker = new Worker(new URL("./pattern-learner.worker.ts", import.meta.url).href)
    worker.onmessage = (event: MessageEvent<PatternThreadReply>) => {
      const reply = event.data
      if (reply.type === "learned") this.inFlight--
      else if (reply.type === "taken") {
        this.takes.get(reply.seq)?.resolve({ changes: reply.changes, outcome: reply.outcome })
        this.takes.delete(reply.seq)
      } else {
        if (reply.seq !== undefined) {
          this.takes.get(reply.seq)?.reject(new Error(reply.error))
          this.takes.delete(reply.seq)
        }
        this.onFailure(reply.error)
      }
    }
    worker.onerror = (event) => this.abandon(worker, `pattern thread failed: ${event.message}`)
    this.worker = worker
    this.inFlight = 0
    worker.postMessage({ type: "open", options: this.options } satisfies PatternThreadRequest)
    return worker
  }

  private abandon(worker: Worker, error: string) {
    if (this.worker === worker) this.worker = undefined
    worker.terminate()
    this.onFailure(error)
    for (const waiter of this.takes.values()) waiter.reject(new Error(error))
    this.takes.clear()
  }
}
