import type { LogRecord } from "../../../domain/log-record.ts"
import type { ExpiryRule } from "../../../ports/log-store.ts"
import { batchColumns } from "./block-batch.ts"
import type { SqliteStoreConfig } from "./open.ts"
import type { WriterReply, WriterRequest } from "./writer-protocol.ts"

type Request = WriterRequest extends infer R ? (R extends { seq: number } ? Omit<R, "seq"> : never) : never

/**
 * The main thread's handle on the writer thread. Requests are answered in order; if the
 * thread dies, whatever it had not answered fails (those records were not committed) and
 * the next write starts a new thread.
 */
export class SqliteWriterThread {
  private worker: Worker | undefined
  private readonly pending = new Map<number, { resolve: (count: number) => void; reject: (e: Error) => void }>()
  private seq = 0
  private opened: Promise<void> = Promise.resolve()

  constructor(private readonly config: SqliteStoreConfig) {}

  /**
   * Starts the thread and waits until it has opened the store (moving the records of an older
   * layout into blocks first, see moveLegacyRecords), so that reads see every stored record.
   */
  open(): Promise<void> {
    if (!this.worker) this.start()
    return this.opened
  }

  write(batch: ReadonlyArray<LogRecord>): Promise<void> {
    return this.request({ type: "write", blocks: batchColumns(batch, this.config.attributeKeysPerBlock) }).then(() => undefined)
  }

  /** Runs on the writer thread, between batches, so deleting never contends with indexing. */
  expire(rule: ExpiryRule, limit: number): Promise<number> {
    return this.request({ type: "expire", rule, limit })
  }

  async close(): Promise<void> {
    if (!this.worker) return
    await this.request({ type: "close" }).catch(() => undefined)
    this.worker?.terminate()
    this.worker = undefined
  }

  private request(request: Request): Promise<number> {
    const worker = this.worker ?? this.start()
    const seq = ++this.seq
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject })
      worker.postMessage({ ...request, seq })
    })
  }

  private start(): Worker {
    const worker = new Worker(new URL("./writer.worker.ts", import.meta.url).href)
    worker.onmessage = (event: MessageEvent<WriterReply>) => {
      const reply = event.data
      const waiter = this.pending.get(reply.seq)
      this.pending.delete(reply.seq)
      if (reply.ok) waiter?.resolve(reply.count ?? 0)
      else waiter?.reject(new Error(reply.error))
    }
    worker.onerror = (event) => this.abandon(worker, new Error(`writer thread failed: ${event.message}`))
    this.worker = worker
    // A thread that cannot open the database is of no use: drop it, and what was sent to it.
    const seq = ++this.seq
    this.opened = new Promise((resolve, reject) => {
      this.pending.set(seq, {
        resolve: () => resolve(),
        reject: (e) => {
          const error = new Error(`writer thread could not open the store: ${e.message}`)
          this.abandon(worker, error)
          reject(error)
        }
      })
    })
    // Writes made meanwhile fail on their own; only open() callers hear of this one.
    this.opened.catch(() => {})
    worker.postMessage({ type: "open", config: this.config, seq } satisfies WriterRequest)
    return worker
  }

  /** Ends a failed thread; everything it had not answered fails, and the next write starts a new one. */
  private abandon(worker: Worker, error: Error) {
    if (this.worker === worker) this.worker = undefined
    worker.terminate()
    for (const waiter of this.pending.values()) waiter.reject(error)
    this.pending.clear()
  }
}
