import type { SqliteStoreConfig } from "./open.ts"

/**
 * Messages between the SQLite store (main thread) and its reader threads; `id` pairs replies.
 * Each read is named by the store operation it runs, with that operation's arguments (plain
 * data: requests, filters, numbers), and answered with plain data (an absent record is null).
 */

export const READ_OPERATIONS = ["search", "context", "facets", "histogram", "counts", "series", "topErrors", "allTime"] as const
export type ReadOperation = (typeof READ_OPERATIONS)[number]

export type ReaderRequest =
  | { readonly id: number; readonly type: "open"; readonly config: SqliteStoreConfig }
  | { readonly id: number; readonly type: "read"; readonly operation: ReadOperation; readonly args: ReadonlyArray<unknown> }

/** `timedOutAfterMs`: the read ran past its budget (SEARCH_TIMEOUT_MS); otherwise `error` is the driver's text. */
export type ReaderReply =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: string; readonly timedOutAfterMs?: number }
