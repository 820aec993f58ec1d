import { Data } from "effect"

/**
 * Errors that can reach an HTTP client carry their status; `src/api/plugins/errors.ts` maps them
 * to `{error, message, details?, request_id}` in one place. `error` is a stable snake_case code.
 * Where `message` holds internal detail (a driver's error text), `publicMessage` is what the
 * client sees instead; the detail goes to the server log.
 */

/** The pipeline could not take the records within the bounded wait. */
export class PipelineSaturated extends Data.TaggedError("PipelineSaturated")<{ readonly retryAfterSeconds: number }> {
  readonly status = 503
  readonly code = "pipeline_saturated"
  override get message() {
    return `the ingest pipeline is saturated; retry after ${this.retryAfterSeconds} s`
  }
}

/** The store failed to write or read; the records of a failed write were not acknowledged. */
export class StoreUnavailable extends Data.TaggedError("StoreUnavailable")<{ readonly reason: string }> {
  readonly status = 503
  readonly code = "store_unavailable"
  readonly retryAfterSeconds = 5
  readonly publicMessage = "the log store is unavailable; retry shortly"
  override get message() {
    return `the log store is unavailable: ${this.reason}`
  }
}

/** The pipeline is shutting down and takes no more records. */
export class PipelineClosed extends Data.TaggedError("PipelineClosed")<{}> {
  readonly status = 503
  readonly code = "shutting_down"
  override get message() {
    return "LogFlow is shutting down; retry against another instance or later"
  }
}

/** A request parameter or body field is invalid; `field` names it. */
export class InvalidInput extends Data.TaggedError("InvalidInput")<{ readonly field: string; readonly reason: string }> {
  readonly status = 400
  readonly code = "invalid_input"
  override get message() {
    return `${this.field}: ${this.reason}`
  }
}

export class NotFound extends Data.TaggedError("NotFound")<{ readonly what: string }> {
  readonly status = 404
  readonly code = "not_found"
  override get message() {
    return `${this.what} not found`
  }
}

export type IngestError = PipelineSaturated | StoreUnavailable | PipelineClosed
