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

/**
 * The base of every "a dependency is unavailable" error (the log store, the metadata database):
 * HTTP 503 with Retry-After. `reason` (a driver's text) goes to the server log only; the client
 * reads `publicMessage`.
 */
export const DependencyUnavailable = <Tag extends string>(tag: Tag, code: string, dependency: string) =>
  class extends Data.TaggedError(tag)<{ readonly reason: string }> {
    readonly status = 503
    readonly code = code
    readonly retryAfterSeconds = 5
    readonly publicMessage = `${dependency} is unavailable; retry shortly`
    override get message() {
      return `${dependency} is unavailable: ${this.reason}`
    }
  }

/** The store failed to write or read; the records of a failed write were not acknowledged. */
export class StoreUnavailable extends DependencyUnavailable("StoreUnavailable", "store_unavailable", "the log store") {}

/** The metadata database (accounts, alert rules, settings) failed to answer. */
export class MetaStoreUnavailable extends DependencyUnavailable("MetaStoreUnavailable", "database_unavailable", "the account database") {}

/**
 * A read ran past its time budget (SEARCH_TIMEOUT_MS) and was stopped. The query itself is too
 * costly for the data it meets, so there is no Retry-After: the same query would stop again.
 */
export class QueryTimedOut extends Data.TaggedError("QueryTimedOut")<{ readonly budgetMs: number }> {
  readonly status = 503
  readonly code = "query_timeout"
  override get message() {
    return `the query ran past its budget of ${this.budgetMs} ms (SEARCH_TIMEOUT_MS) and was stopped; narrow it (a shorter time range, fewer services, fewer wildcard terms)`
  }
}

/**
 * Every reader thread of the embedded store is busy and SEARCH_READER_QUEUE reads wait
 * already: refused at once, to be retried shortly, rather than queued without bound.
 */
export class StoreBusy extends Data.TaggedError("StoreBusy")<{ readonly queue: number }> {
  readonly status = 503
  readonly code = "store_busy"
  readonly retryAfterSeconds = 1
  override get message() {
    return `the log store's readers are all busy and ${this.queue} reads are waiting (SEARCH_READER_QUEUE); retry shortly`
  }
}

/** What a read of the log store can fail with: the store is down or busy, or the query ran out of time. */
export type StoreReadError = StoreUnavailable | QueryTimedOut | StoreBusy

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
