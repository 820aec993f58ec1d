import type { LogRecord } from "./log-record.ts"
import { normalise } from "./normalise.ts"

/** What an ingest request turned into: the records to publish and, per rejected line, why. */
export interface DecodedBatch {
  readonly records: LogRecord[]
  /** Every rejected line is counted here; only the first MAX_REPORTED_ERRORS are listed in `errors`. */
  readonly rejected: number
  readonly errors: ReadonlyArray<{ readonly line: number; readonly message: string }>
}

export class MalformedBody extends Error {}

/** At most this many per-line errors are reported; `rejected` still counts them all. */
export const MAX_REPORTED_ERRORS = 1000

const collect = (items: Iterable<[number, () => unknown]>, receivedAt: number): DecodedBatch => {
  const records: LogRecord[] = []
  const errors: Array<{ line: number; message: string }> = []
  let rejected = 0
  const reject = (line: number, message: string) => {
    rejected++
    if (errors.length < MAX_REPORTED_ERRORS) errors.push({ line, message })
  }
  for (const [line, decode] of items) {
    let value: unknown
    try {
      value = decode()
    } catch (e) {
      reject(line, `invalid JSON: ${(e as Error).message}`)
      continue
    }
    const result = normalise(value, receivedAt)
    if (result.ok) records.push(result.record)
    else reject(line, result.error)
  }
  return { records, errors, rejected }
}

function* ndjsonLines(body: string): Generator<[number, () => unknown]> {
  let start = 0
  let line = 0
  while (start <= body.length) {
    let end = body.indexOf("\n", start)
    if (end === -1) end = body.length
    line++
    const text = body.slice(start, end).trim()
    if (text !== "") yield [line, () => JSON.parse(text)]
    start = end + 1
  }
}

function* arrayItems(values: ReadonlyArray<unknown>): Generator<[number, () => unknown]> {
  for (let i = 0; i < values.length; i++) yield [i + 1, () => values[i]]
}

/**
 * Decodes one JSON record, a JSON array of records (errors name the 1-based item as `line`),
 * or NDJSON. A body that is not valid JSON as a whole is read as NDJSON when it has several
 * lines, so one malformed line rejects only that line.
 */
export const decodeIngestBody = (body: string, contentType: string | null, receivedAt: number): DecodedBatch => {
  const isNdjson = contentType !== null && /ndjson|jsonlines|json-seq|text\/plain/i.test(contentType)
  if (!isNdjson) {
    let whole: unknown
    let parsed = true
    try {
      whole = JSON.parse(body)
    } catch (e) {
      parsed = false
      if (!body.trim().includes("\n")) throw new MalformedBody(`request body is not valid JSON: ${(e as Error).message}`)
    }
    if (parsed) {
      return collect(arrayItems(Array.isArray(whole) ? whole : [whole]), receivedAt)
    }
  }
  return collect(ndjsonLines(body), receivedAt)
}
