import { Data } from "effect"
import { DEFAULT_FIELD_MAP, type FieldMap } from "../../domain/field-mapping.ts"
import type { LogRecord } from "../../domain/log-record.ts"
import { LIMITS, normalise } from "../../domain/normalise.ts"

/** What an ingest request turned into: the records to publish and, per rejected line, why. */
export interface DecodedBatch {
  readonly records: LogRecord[]
  /** Every rejected line is counted here; only the first MAX_REPORTED_ERRORS are listed in `errors`. */
  readonly rejected: number
  readonly errors: ReadonlyArray<{ readonly line: number; readonly message: string }>
}

export class MalformedBody extends Data.TaggedError("MalformedBody")<{ readonly message: string }> {}

/** At most this many per-line errors are reported; `rejected` still counts them all. */
export const MAX_REPORTED_ERRORS = 1000

/** Accumulates the outcome line by line; at most MAX_REPORTED_ERRORS errors are listed. */
class BatchBuilder {
  readonly records: LogRecord[] = []
  readonly errors: Array<{ line: number; message: string }> = []
  rejected = 0

  constructor(
    private readonly receivedAt: number,
    private readonly fields: FieldMap,
    private readonly maxAttributes: number
  ) {}

  add(line: number, value: unknown) {
    const result = normalise(value, this.receivedAt, this.fields, this.maxAttributes)
    if (result.ok) this.records.push(result.record)
    else this.reject(line, result.error)
  }

  reject(line: number, message: string) {
    this.rejected++
    if (this.errors.length < MAX_REPORTED_ERRORS) this.errors.push({ line, message })
  }
}

/** Calls `visit` with each line's 1-based number and where it starts and ends (before its LF); stops when it answers false. */
const eachLine = (body: string, visit: (line: number, start: number, end: number) => unknown) => {
  let start = 0
  for (let line = 1; start <= body.length; line++) {
    let end = body.indexOf("\n", start)
    if (end === -1) end = body.length
    if (visit(line, start, end) === false) return
    start = end + 1
  }
}

const OPEN = 123 // {
const CLOSE = 125 // }

/**
 * The 1-based numbers of a body's non-blank lines, when each is an object's text from `{` to
 * `}` (with whitespace around); undefined when one is not. A JSON value cannot go on after a `}`
 * with a `{`, nor hold a raw newline in a string, so no value of such lines spans two of them.
 */
const objectLines = (body: string): number[] | undefined => {
  const lines: number[] = []
  let objects = true
  eachLine(body, (line, start, end) => {
    const last = body.charCodeAt(end - 1) === 13 ? end - 2 : end - 1 // a CR before the LF
    if (body.charCodeAt(start) === OPEN && body.charCodeAt(last) === CLOSE && last > start) lines.push(line)
    else {
      const text = body.slice(start, end).trim()
      if (text === "") return
      objects = text.charCodeAt(0) === OPEN && text.charCodeAt(text.length - 1) === CLOSE
      if (!objects) return false
      lines.push(line)
    }
  })
  return objects ? lines : undefined
}

/**
 * The whole body parsed at once by Bun's JSON Lines parser, when that gives exactly one value per
 * non-blank line, as the line by line parse would: about a third less time than a JSON.parse
 * per line. Undefined otherwise (a malformed line, a line that is no object, two values on one),
 * and the body is read line by line.
 */
const parseWhole = (body: string): { values: unknown[]; lines: number[] } | undefined => {
  const lines = objectLines(body)
  if (lines === undefined) return undefined
  let parsed: ReturnType<typeof Bun.JSONL.parseChunk>
  try {
    parsed = Bun.JSONL.parseChunk(body)
  } catch {
    // Nesting past the parser's stack: the line by line parse finds the line.
    return undefined
  }
  if (!parsed.done || parsed.error !== null) return undefined
  return parsed.values.length === lines.length ? { values: parsed.values, lines } : undefined
}

const decodeNdjson = (body: string, receivedAt: number, fields: FieldMap, maxAttributes: number): DecodedBatch => {
  const batch = new BatchBuilder(receivedAt, fields, maxAttributes)
  const whole = parseWhole(body)
  if (whole !== undefined) {
    for (let i = 0; i < whole.values.length; i++) batch.add(whole.lines[i]!, whole.values[i])
    return batch
  }
  eachLine(body, (line, start, end) => {
    const text = body.slice(start, end)
    if (text.trim() === "") return
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (e) {
      batch.reject(line, `invalid JSON: ${(e as Error).message}`)
      return
    }
    batch.add(line, value)
  })
  return batch
}

/**
 * Decodes one JSON record, a JSON array of records (errors name the 1-based item as `line`),
 * or NDJSON. A body that is not valid JSON as a whole is read as NDJSON when it has several
 * lines, so one malformed line rejects only that line. Fields are found by `fields` (LOG_FIELD_*);
 * a record may carry `maxAttributes` attributes (ATTRIBUTES_PER_RECORD).
 */
export const decodeIngestBody = (
  body: string,
  contentType: string | null,
  receivedAt: number,
  fields: FieldMap = DEFAULT_FIELD_MAP,
  maxAttributes: number = LIMITS.attributeCount
): DecodedBatch => {
  const isNdjson = contentType !== null && /ndjson|jsonlines|json-seq|text\/plain/i.test(contentType)
  if (!isNdjson) {
    let whole: unknown
    let parsed = true
    try {
      whole = JSON.parse(body)
    } catch (e) {
      parsed = false
      if (!body.trim().includes("\n")) throw new MalformedBody({ message: `request body is not valid JSON: ${(e as Error).message}` })
    }
    if (parsed) {
      const batch = new BatchBuilder(receivedAt, fields, maxAttributes)
      const items = Array.isArray(whole) ? whole : [whole]
      for (let i = 0; i < items.length; i++) batch.add(i + 1, items[i])
      return batch
    }
  }
  return decodeNdjson(body, receivedAt, fields, maxAttributes)
}
