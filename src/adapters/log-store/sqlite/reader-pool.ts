import type { SqliteStoreConfig } from "./open.ts"
import { ReadBudgetExceeded } from "./read-budget.ts"
import type { ReaderReply, ReaderRequest, ReadOperation } from "./reader-protocol.ts"

/**
 * The embedded store's reader threads (reader.worker.ts): `size` threads, each running one
 * read at a time on its own read-only connection, and a queue of at most `queue` reads waiting
 * for one. A read that finds the queue full is refused at once (ReadersBusy: the API answers
 * 503 with Retry-After) rather than wait behind an unbounded line. A thread that dies fails the
 * read it was running and is replaced; `close` ends every thread (the store's scope calls it).
 * Nothing here keeps time: budgets are the reads' own (read-budget.ts), so a caller's clock
 * (TestClock included) never decides when a reply arrives.
 */

export interface ReaderPoolConfig {
  readonly size: number
  readonly queue: number
  readonly store: SqliteStoreConfig
}

/** Every thread is busy and the queue is full. */
export class ReadersBusy extends Error {
  constructor(readonly queue: number) {
    super(`every reader thread is busy and ${queue} reads are waiting already`)
  }
}

/** The thread running a read died before answering it. */
export class ReaderDied extends Error {}

export type Settle = (outcome: { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: Error }) => void

interface Task {
  readonly operation: ReadOperation
  readonly args: ReadonlyArray<unknown>
  readonly settle: Settle
}

interface Thread {
  readonly worker: Worker
  /** The read it runs; undefined while it opens or is idle. */
  current: Task | undefined
  ready: boolean
}

const replyError = (reply: Extract<ReaderReply, { ok: false }>) =>
  reply.timedOutAfterMs !== undefined ? new ReadBudgetExceeded(reply.timedOutAfterMs) : new Error(reply.error)

export class ReaderPool {
  private readonly threads = new Set<Thread>()
  private readonly waiting: Task[] = []
  private closed = false
  private nextId = 0
  /** Why a thread could not open the store: no thread is started again after that. */
  private broken: Error | undefined
  private readonly opening: Array<{ resolve: () => void; reject: (e: Error) => void }> = []
  /** Threads started to replace one that died. */
  replaced = 0

  constructor(private readonly config: ReaderPoolConfig) {
    for (let i = 0; i < config.size; i++) this.start()
  }

  /** Resolves once every thread has opened the store; rejects if one could not. */
  ready(): Promise<void> {
    if (this.broken) return Promise.reject(this.broken)
    if ([...this.threads].every((t) => t.ready)) return Promise.resolve()
    return new Promise((resolve, reject) => this.opening.push({ resolve, reject }))
  }

  /** Runs a read on the next free thread; returns a function that drops it if it is still waiting. */
  run(operation: ReadOperation, args: ReadonlyArray<unknown>, settle: Settle): () => void {
    const task: Task = { operation, args, settle }
    if (this.closed || this.broken) {
      settle({ ok: false, error: this.broken ?? new Error("the log store is closed") })
      return () => {}
    }
    const idle = [...this.threads].find((t) => t.ready && t.current === undefined)
    if (idle) this.dispatch(idle, task)
    else if (this.waiting.length < this.config.queue) this.waiting.push(task)
    else settle({ ok: false, error: new ReadersBusy(this.config.queue) })
    return () => {
      const at = this.waiting.indexOf(task)
      if (at >= 0) this.waiting.splice(at, 1)
    }
  }

  /** Threads, reads running and reads waiting. */
  stats() {
    const threads = [...this.threads]
    return { threads: threads.length, busy: threads.filter((t) => t.current).length, waiting: this.waiting.length, replaced: this.replaced }
  }

  /** The threads' workers (a test ends one to see it replaced). */
  workers(): ReadonlyArray<Worker> {
    return [...this.threads].map((t) => t.worker)
  }

  close() {
    this.closed = true
    const error = this.broken ?? new Error("the log store is closed")
    const threads = [...this.threads]
    this.threads.clear()
    for (const thread of threads) {
      thread.worker.terminate()
      thread.current?.settle({ ok: false, error })
      thread.current = undefined
    }
    for (const task of this.waiting.splice(0)) task.settle({ ok: false, error })
  }

  private start() {
    const worker = new Worker(new URL("./reader.worker.ts", import.meta.url).href)
    const thread: Thread = { worker, current: undefined, ready: false }
    this.threads.add(thread)
    const openId = ++this.nextId
    worker.onmessage = (event: MessageEvent<ReaderReply>) => {
      const reply = event.data
      if (reply.id === openId) {
        if (!reply.ok) return this.failedToOpen(new ReaderDied(`a reader thread could not open the store: ${reply.error}`))
        thread.ready = true
        if ([...this.threads].every((t) => t.ready)) for (const waiter of this.opening.splice(0)) waiter.resolve()
      } else {
        const task = thread.current
        thread.current = undefined
        task?.settle(reply.ok ? { ok: true, value: reply.value } : { ok: false, error: replyError(reply) })
      }
      this.next(thread)
    }
    worker.onerror = (event) => this.died(thread, new ReaderDied(`a reader thread failed: ${event.message}`))
    worker.addEventListener("close", () => this.died(thread, new ReaderDied("a reader thread stopped")))
    worker.postMessage({ id: openId, type: "open", config: this.config.store } satisfies ReaderRequest)
  }

  private dispatch(thread: Thread, task: Task) {
    thread.current = task
    thread.worker.postMessage({ id: ++this.nextId, type: "read", operation: task.operation, args: task.args } satisfies ReaderRequest)
  }

  private next(thread: Thread) {
    const task = this.waiting.shift()
    if (task) this.dispatch(thread, task)
  }

  /** A thread that cannot open the store would fail again: the pool stops starting threads, and fails every read. */
  private failedToOpen(error: Error) {
    this.broken = error
    for (const waiter of this.opening.splice(0)) waiter.reject(error)
    this.close()
  }

  /** Fails the thread's read, ends it and starts another in its place (unless the pool is closing). */
  private died(thread: Thread, error: Error) {
    if (!this.threads.delete(thread)) return
    thread.worker.terminate()
    if (!this.closed && !thread.ready) return this.failedToOpen(error)
    thread.current?.settle({ ok: false, error })
    if (this.closed) return
    this.replaced++
    this.start()
  }
}
