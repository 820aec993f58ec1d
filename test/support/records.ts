import type { Level, LogRecord } from "../../src/domain/log-record.ts"
import { ulid } from "../../src/domain/ulid.ts"

/** A valid record with sensible defaults; tests override only what they are about. */
export const makeRecord = (overrides: Partial<LogRecord> = {}): LogRecord => {
  const timestamp = overrides.timestamp ?? Date.now()
  return {
    id: ulid(),
    timestamp,
    received_at: timestamp,
    service: "checkout",
    level: "INFO" as Level,
    message: "order placed",
    attributes: {},
    ...overrides
  }
}
