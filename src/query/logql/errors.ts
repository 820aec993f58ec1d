import { Data } from "effect"

/**
 * A LogQL query LogFlow cannot run: a syntax error (with Loki's "parse error at line 1, col N"
 * wording), a part of LogQL outside the supported subset (named in the message), or a limit the
 * query would exceed (named with its setting). All are the client's to fix: HTTP 400.
 */
export class LogqlError extends Data.TaggedError("LogqlError")<{ readonly message: string }> {
  readonly status = 400
  readonly code = "bad_data"
}

export const parseError = (position: number, what: string) => new LogqlError({ message: `parse error at line 1, col ${position + 1}: ${what}` })

export const unsupported = (what: string) =>
  new LogqlError({ message: `unsupported LogQL: ${what} is not in the part of LogQL LogFlow runs (see docs/grafana.md)` })

export const limitExceeded = (what: string, setting: string) => new LogqlError({ message: `query limit exceeded: ${what} (${setting})` })
