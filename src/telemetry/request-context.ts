import { AsyncLocalStorage } from "node:async_hooks"
import { FiberRef } from "effect"

/**
 * The ids of the request being served. Inside Effect code they live in the `CurrentRequest`
 * FiberRef (and as log annotations); `requestScope` only carries them from Elysia's request
 * hook to the point where a route enters Effect (see run-effect.ts).
 */
export interface RequestContext {
  readonly request_id: string
  readonly correlation_id: string
  /** W3C trace id: the caller's from `traceparent`, else a new one. */
  readonly trace_id: string
  /** This request's span id, as sent back in `traceparent`; the parent of its spans. */
  readonly span_id: string
  readonly sampled: boolean
}

export const CurrentRequest = FiberRef.unsafeMake<RequestContext | undefined>(undefined)

export const requestScope = new AsyncLocalStorage<RequestContext>()

/** Caller-chosen correlation ids are echoed only if they are short and plain (no header injection). */
export const isWellFormedCorrelationId = (value: string) => /^[A-Za-z0-9._:@/-]{1,128}$/.test(value)

/** `00-<32 hex trace id>-<16 hex span id>-<2 hex flags>`, all-zero ids invalid (W3C Trace Context). */
export const parseTraceparent = (header: string | null) => {
  const match = header === null ? null : /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(header.trim())
  if (!match || /^0+$/.test(match[1]!) || /^0+$/.test(match[2]!)) return undefined
  return { traceId: match[1]!, spanId: match[2]!, sampled: (parseInt(match[3]!, 16) & 1) === 1 }
}

export const randomHex = (bytes: number) => Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("hex")
