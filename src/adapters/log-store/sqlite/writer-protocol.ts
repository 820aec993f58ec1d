import type { ExpiryRule } from "../../../ports/log-store.ts"
import type { BlockColumns } from "./block-codec.ts"
import type { SqliteStoreConfig } from "./open.ts"

/** Messages between the SQLite store (main thread) and its writer thread; `seq` pairs replies. */
export type WriterRequest =
  | { readonly seq: number; readonly type: "open"; readonly config: SqliteStoreConfig }
  /** A batch as its blocks' columns (batchColumns): a few strings and typed arrays per block clone far cheaper than records. */
  | { readonly seq: number; readonly type: "write"; readonly blocks: ReadonlyArray<BlockColumns> }
  | { readonly seq: number; readonly type: "expire"; readonly rule: ExpiryRule; readonly limit: number }
  | { readonly seq: number; readonly type: "close" }

/** `count` answers an expire request: how many records were deleted. */
export type WriterReply =
  | { readonly seq: number; readonly ok: true; readonly count?: number }
  | { readonly seq: number; readonly ok: false; readonly error: string }
