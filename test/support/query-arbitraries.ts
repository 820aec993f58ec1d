import fc from "fast-check"
import { type AttributeValue, LEVELS, type LogRecord } from "../../src/domain/log-record.ts"
import { ulid } from "../../src/domain/ulid.ts"

/**
 * Records and query strings drawn from one small vocabulary, so that generated queries hit
 * generated records often (a query over words no record holds proves little). Used by the
 * store equivalence test, which asks every LogStore the same queries over the same records.
 *
 * What is kept out on purpose, because the engines legitimately differ there (see docs/api.md,
 * "Where the stores differ"):
 * - Punctuation inside a word. SQLite's FTS5 (`unicode61`) splits at every character that is
 *   not a letter or digit; Elasticsearch's and OpenSearch's `standard` analyzer splits by
 *   Unicode word boundaries (UAX #29), which keep `db.internal`, `user_id`, `don't`, `a:b` and
 *   `1,5` / `1;5` together as one token. Messages here join words only with separators both
 *   split at (space, `-`, `/`, `=`, `(`, `)`, `!`, `, ` and `; ` followed by a space).
 * - Letters beyond ASCII: FTS5 folds diacritics (`café` matches `cafe`), `standard` does not;
 *   `*` wildcards are case-insensitive for ASCII only in SQLite's LIKE.
 * - Ordered text comparisons (`>`, `<`, ranges) on attribute values that are not words of
 *   letters and digits: SQLite orders a number before any text, the others compare the text.
 */

export const WORDS = [
  "alpha",
  "beta",
  "gamma",
  "delta",
  "timeout",
  "error",
  "payment",
  "card",
  "declined",
  "retry",
  "user",
  "cache",
  "42",
  "7",
  "x1",
  "Alpha"
] as const
const SEPARATORS = [" ", " ", " ", "-", "/", "=", " (", ") ", "! ", ", ", "; "] as const
export const SERVICES = ["api", "payments", "auth-service", "Web"] as const
export const HOSTS = ["web-1", "web-2", "db.internal"] as const
export const TRACES = ["t1", "t2", "abc-123"] as const
export const CORRELATIONS = ["c1", "c2", "order-9"] as const
export const REGIONS = ["eu", "us", "ap-south", "EU"] as const
export const CODES = ["E42", "e42", "E7", "W1"] as const
export const METHODS = ["GET", "POST"] as const
export const BASE_TIME = Date.parse("2026-11-30T10:00:00Z")

const message = fc
  .array(fc.tuple(fc.constantFrom(...WORDS), fc.constantFrom(...SEPARATORS)), { minLength: 1, maxLength: 7 })
  .map((parts) => parts.map(([w, s], i) => (i === parts.length - 1 ? w : w + s)).join(""))

const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 3 })

/** Attribute values of every kind a shipper sends: numbers, numeric text, text, booleans. */
const attributes = fc.record(
  {
    user_id: fc.oneof(fc.integer({ min: -5, max: 100 }), fc.integer({ min: 0, max: 100 }).map(String)),
    status: fc.constantFrom<AttributeValue>(200, 404, 500, "503", 201),
    duration_ms: fc.constantFrom(0.5, 10.5, 12, 99.25, 1000),
    region: fc.constantFrom(...REGIONS),
    code: fc.constantFrom(...CODES),
    "http.method": fc.constantFrom(...METHODS),
    retry: fc.boolean()
  },
  { requiredKeys: [] }
)

/** `count` records with distinct timestamps one second apart (so newest-first order is the same everywhere). */
export const recordsArbitrary = (count: number): fc.Arbitrary<LogRecord[]> =>
  fc
    .array(
      fc.record({
        service: fc.constantFrom(...SERVICES),
        level: fc.constantFrom(...LEVELS),
        message,
        host: optional(fc.constantFrom(...HOSTS)),
        trace_id: optional(fc.constantFrom(...TRACES)),
        correlation_id: optional(fc.constantFrom(...CORRELATIONS)),
        attributes
      }),
      { minLength: count, maxLength: count }
    )
    .map((drawn) =>
      drawn.map((d, i): LogRecord => {
        const timestamp = BASE_TIME + i * 1000
        const record: { -readonly [K in keyof LogRecord]: LogRecord[K] } = {
          id: ulid(),
          timestamp,
          received_at: timestamp,
          service: d.service,
          level: d.level,
          message: d.message,
          attributes: d.attributes
        }
        if (d.host !== undefined) record.host = d.host
        if (d.trace_id !== undefined) record.trace_id = d.trace_id
        if (d.correlation_id !== undefined) record.correlation_id = d.correlation_id
        return record
      })
    )

const word = fc.constantFrom(...WORDS)
/** A prefix of a vocabulary word, at least two characters, searched as `pre*`. */
const prefix = word.chain((w) => fc.integer({ min: Math.min(2, w.length), max: w.length }).map((n) => `${w.slice(0, n)}*`))
const phrase = fc.tuple(word, word).map(([a, b]) => `"${a} ${b}"`)
const time = (span: number) => fc.integer({ min: -5, max: span + 5 }).map((s) => new Date(BASE_TIME + s * 1000).toISOString())
const number = fc.constantFrom("-1", "0", "7", "10.5", "42", "50", "200", "404", "500", "503", "1000")

/** `field:value` conditions on record fields and attributes, with every operator the language has. */
const fieldCondition = (span: number) =>
  fc.oneof(
    fc.constantFrom(...SERVICES, "nope").map((v) => `service:${v}`),
    fc.constantFrom("pay*", "*service", "a*", "*E*", "w?b").map((v) => `service:${v}`),
    fc.constantFrom(...LEVELS, "error", "warning", "critical").map((v) => `level:${v}`),
    fc.constantFrom("ERR*", "*o*").map((v) => `level:${v}`),
    fc.constantFrom(...HOSTS, "web*", "*.internal").map((v) => `host:${v}`),
    fc.constantFrom(...TRACES, "abc*").map((v) => `trace_id:${v}`),
    fc.constantFrom(...CORRELATIONS, "order*").map((v) => `correlation_id:${v}`),
    fc.constantFrom(...REGIONS, "*u*", "ap*").map((v) => `region:${v}`),
    fc.constantFrom(...CODES, "e4*", "E*").map((v) => `code:${v}`),
    fc.constantFrom(...METHODS, "P*").map((v) => `http.method:${v}`),
    fc.constantFrom("true", "false").map((v) => `retry:${v}`),
    // Booleans read as numbers and numbers as text, where stores could disagree: weighted up.
    {
      weight: 4,
      arbitrary: fc
        .tuple(
          fc.constantFrom("retry", "status", "user_id", "duration_ms"),
          fc.constantFrom(":", ":>", ":<=", ":"),
          fc.constantFrom("1", "0", "t*", "tr*", "f*", "1*", "5*", "*0", "10*", "*.5", "*e")
        )
        .map(([f, op, v]) => `${f}${v.includes("*") ? ":" : op}${v}`)
    },
    fc
      .tuple(fc.constantFrom("user_id", "status", "duration_ms", "attributes.user_id"), fc.constantFrom(":", ":>", ":>=", ":<", ":<="), number)
      .map(([f, op, v]) => `${f}${op}${v}`),
    fc.tuple(fc.constantFrom("user_id", "status", "duration_ms"), number, number).map(([f, a, b]) => `${f}:[${a} TO ${b}]`),
    fc
      .tuple(
        fc.constantFrom("region", "code", "host", "service"),
        fc.constantFrom(":>", ":>=", ":<", ":<="),
        fc.constantFrom("E", "e", "eu", "m", "web-2", "W")
      )
      .map(([f, op, v]) => `${f}${op}${v}`),
    fc.tuple(fc.constantFrom(":>", ":>=", ":<", ":<="), time(span)).map(([op, t]) => `timestamp${op}${t}`),
    fc.tuple(time(span), time(span)).map(([a, b]) => `timestamp:[${a} TO ${b}]`)
  )

/**
 * Query strings in the full language: words, prefixes, phrases, field conditions, combined
 * with AND, OR, NOT, `-` and parentheses (adjacent terms are AND). `span` is how many seconds
 * the records cover (time conditions fall around it).
 */
export const queryArbitrary = (span: number): fc.Arbitrary<string> =>
  fc.letrec<{ q: string }>((tie) => ({
    q: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      word,
      prefix,
      phrase,
      fieldCondition(span),
      fc.tuple(tie("q"), tie("q")).map(([a, b]) => `(${a} AND ${b})`),
      fc.tuple(tie("q"), tie("q")).map(([a, b]) => `(${a}) OR (${b})`),
      fc.tuple(tie("q"), tie("q")).map(([a, b]) => `${a} ${b}`),
      tie("q").map((a) => `NOT (${a})`),
      fc.tuple(tie("q"), fc.oneof(word, phrase, fieldCondition(span))).map(([a, b]) => `${a} -${b}`)
    )
  })).q

/** The other search parameters (`service=`, `level=`, `trace_id=`, `correlation_id=`, `from`/`to`), any subset. */
export const filtersArbitrary = (span: number) =>
  fc.record(
    {
      services: fc.uniqueArray(fc.constantFrom(...SERVICES, "nope"), { minLength: 1, maxLength: 2 }),
      levels: fc.uniqueArray(fc.constantFrom(...LEVELS), { minLength: 1, maxLength: 3 }),
      trace_id: fc.constantFrom(...TRACES),
      correlation_id: fc.constantFrom(...CORRELATIONS),
      from: fc.integer({ min: -5, max: span }).map((s) => BASE_TIME + s * 1000),
      to: fc.integer({ min: 0, max: span + 5 }).map((s) => BASE_TIME + s * 1000)
    },
    { requiredKeys: [] }
  )
