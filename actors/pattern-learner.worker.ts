/// <reference lib="webworker" />
import { PatternBook } from "../src/domain/pattern-book.ts"
import { ulid } from "../src/domain/ulid.ts"
import { type PatternThreadReply, type PatternThreadRequest, unpackColumns } from "./pattern-thread-protocol.ts"

/**
 * The pattern learner's thread: it owns the PatternBook, so tokenising and clustering messages
 * run beside the main thread (which parses ingest) instead of on it. It learns the batches it
 * is sent in order and hands over what changed when asked.
 */
declare const self: Worker

let book: PatternBook | undefined
let outcome = { learned: 0, serviceCap: 0, pendingFull: 0 }

const reply = (message: PatternThreadReply) => self.postMessage(message)

self.onmessage = (event: MessageEvent<PatternThreadRequest>) => {
  const request = event.data
  try {
    switch (request.type) {
      case "open":
        book = new PatternBook({ ...request.options, newId: () => ulid() })
        break
      case "restore":
        book!.restore(request.rows)
        break
      case "learn": {
        const records = unpackColumns(request)
        const learned = book!.learn(records)
        outcome = {
          learned: outcome.learned + learned.learned,
          serviceCap: outcome.serviceCap + learned.serviceCap,
          pendingFull: outcome.pendingFull + learned.pendingFull
        }
        reply({ type: "learned", records: records.length })
        break
      }
      case "take":
        reply({ type: "taken", seq: request.seq, changes: book!.takeChanges(), outcome })
        outcome = { learned: 0, serviceCap: 0, pendingFull: 0 }
        break
      case "putBack":
        book!.putBack(request.changes)
        break
    }
  } catch (e) {
    reply({ type: "failed", error: e instanceof Error ? e.message : String(e), ...(request.type === "take" ? { seq: request.seq } : {}) })
    // The batch is done with, learned or not: the main thread counts batches in flight.
    if (request.type === "learn") reply({ type: "learned", records: request.times.length })
  }
}
