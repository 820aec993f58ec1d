import { describe, expect, test } from "bun:test"
import { Effect, Layer, Option, Scope, Exit } from "effect"
import type { LogRecord } from "../../src/domain/log-record.ts"
import type { SearchRequest } from "../../src/domain/search-request.ts"
import { decodeCursor } from "../../src/domain/search-request.ts"
import { parseTextQuery } from "../../src/domain/text-query.ts"
import { LogStore } from "../../src/ports/log-store.ts"
import { makeRecord } from "../support/records.ts"

/** Where adapters differ by design; each flag says which case reads it and why. */
export interface StoreCapabilities {
  /**
   * SQLite keeps per-minute rollups apart from the records, so expiring records leaves the
   * metrics' counts alone. Elasticsearch aggregates the stored records themselves (no rollup
   * index to keep consistent with redelivery), so what retention deleted is no longer counted.
   */
  readonly rollupsOutliveExpiry: boolean
}

/**
 * What every LogStore adapter must do, run against its real engine. `makeStore` returns a
 * fresh, empty store for each test; `countCap` is the store's counting cap as configured.
 */
export const logStoreContract = (
  name: string,
  makeStore: () => Layer.Layer<LogStore, unknown>,
  countCap: number,
  capabilities: StoreCapabilities = { rollupsOutliveExpiry: true }
) =>
  describe(`LogStore contract: ${name}`, () => {
    const withStore = <A>(body: (store: LogStore["Type"]) => Effect.Effect<A, unknown>) =>
      Effect.runPromise(
        Effect.gen(function* () {
          const scope = yield* Scope.make()
          const context = yield* Layer.buildWithScope(makeStore(), scope)
          const store = Option.getOrThrow(Option.some(context.unsafeMap.get(LogStore.key) as LogStore["Type"]))
          return yield* body(store).pipe(Effect.ensuring(Scope.close(scope, Exit.void)))
        })
      )
    const base = Date.parse("2026-11-30T10:00:00Z")
    const at = (minutes: number) => base + minutes * 60_000
    const search = (store: LogStore["Type"], request: Partial<SearchRequest>) => store.search({ limit: 100, ...request })
    const ids = (records: ReadonlyArray<LogRecord>) => records.map((r) => r.id)
    const sum = (counts: ReadonlyArray<{ count: number }>) => counts.reduce((n, c) => n + c.count, 0)

    test("returns a stored record by id with every field intact", () =>
      withStore((store) =>
        Effect.gen(function* () {
          const record = makeRecord({
            service: "payments",
            level: "ERROR",
            message: "card declined",
            host: "pay-1",
            trace_id: "t1",
            span_id: "s1",
            correlation_id: "c1",
            attributes: { user_id: 42, region: "eu", retry: true }
          })
          yield* store.index([record])
          expect(Option.getOrNull(yield* store.get(record.id))).toEqual(record)
          expect(Option.isNone(yield* store.get(makeRecord().id))).toBe(true)
        })
      ))

    test("indexing the same records twice stores them once", () =>
      withStore((store) =>
        Effect.gen(function* () {
          const batch = [makeRecord(), makeRecord()]
          yield* store.index(batch)
          yield* store.index(batch)
          const page = yield* search(store, {})
          expect(page.total).toBe(2)
        })
      ))

    test("a batch that holds one id twice, or one stored already, stores each record once", () =>
      withStore((store) =>
        Effect.gen(function* () {
          const first = makeRecord({ message: "first" })
          yield* store.index([first])
          const twice = makeRecord({ message: "twice" })
          yield* store.index([makeRecord({ message: "new" }), twice, first, twice])
          const page = yield* search(store, {})
          expect(page.logs.map((l) => l.message).sort()).toEqual(["first", "new", "twice"])
          expect(sum(yield* store.allTime())).toBe(3)
        })
      ))

    test("filters by service, level and time range, newest first", () =>
      withStore((store) =>
        Effect.gen(function* () {
          const a = makeRecord({ service: "api", level: "INFO", timestamp: at(1) })
          const b = makeRecord({ service: "api", level: "ERROR", timestamp: at(2) })
          const c = makeRecord({ service: "db", level: "ERROR", timestamp: at(3) })
          const d = makeRecord({ service: "db", level: "WARN", timestamp: at(4) })
          yield* store.index([c, a, d, b])
          expect(ids((yield* search(store, {})).logs)).toEqual(ids([d, c, b, a]))
          expect(ids((yield* search(store, { services: ["api"] })).logs)).toEqual(ids([b, a]))
          expect(ids((yield* search(store, { levels: ["ERROR", "WARN"] })).logs)).toEqual(ids([d, c, b]))
          expect(ids((yield* search(store, { services: ["db", "api"], levels: ["ERROR"] })).logs)).toEqual(ids([c, b]))
          expect(ids((yield* search(store, { from: at(2), to: at(3) })).logs)).toEqual(ids([c, b]))
          const traced = makeRecord({ correlation_id: "txn-1", trace_id: "abc" })
          yield* store.index([traced])
          expect(ids((yield* search(store, { correlation_id: "txn-1" })).logs)).toEqual([traced.id])
          expect(ids((yield* search(store, { trace_id: "abc" })).logs)).toEqual([traced.id])
        })
      ))

    test("full text: words, exact phrases, prefixes, AND / OR / NOT", () =>
      withStore((store) =>
        Effect.gen(function* () {
          const timeout = makeRecord({ message: "connection timeout after 3000ms", timestamp: at(1) })
          const reset = makeRecord({ message: "connection reset by peer", timestamp: at(2) })
          const payment = makeRecord({ message: "payment timeout, connection kept", timestamp: at(3) })
          yield* store.index([timeout, reset, payment])
          const text = (query: string) => search(store, { text: parseTextQuery(query)! }).pipe(Effect.map((p) => ids(p.logs)))
          expect(yield* text("timeout")).toEqual(ids([payment, timeout]))
          expect(yield* text('"connection timeout"')).toEqual(ids([timeout]))
          expect(yield* text("connection AND timeout")).toEqual(ids([payment, timeout]))
          expect(yield* text("reset OR payment")).toEqual(ids([payment, reset]))
          expect(yield* text("connection NOT timeout")).toEqual(ids([reset]))
          expect(yield* text("-timeout")).toEqual(ids([reset]))
          expect(yield* text("NOT (reset OR payment)")).toEqual(ids([timeout]))
          expect(yield* text("pay*")).toEqual(ids([payment]))
        })
      ))

    test("query metacharacters are searched for, never interpreted", () =>
      withStore((store) =>
        Effect.gen(function* () {
          const odd = makeRecord({ message: 'user said \'; DROP TABLE logs; -- and "quoted" NEAR(x) col:value' })
          yield* store.index([odd, makeRecord({ message: "plain" })])
          // (Unquoted, col:value is a field query; quoted, it is text.)
          for (const query of ['"DROP TABLE"', "'; DROP", '"col:value"', "NEAR(x)", "logs; --", '"quoted" NEAR']) {
            const page = yield* search(store, { text: parseTextQuery(query)! })
            expect(ids(page.logs)).toEqual([odd.id])
          }
          expect((yield* search(store, { services: ["' OR 1=1 --"] })).total).toBe(0)
          expect((yield* search(store, {})).total).toBe(2)
        })
      ))

    test("field queries: record fields, attributes (number or text), wildcards, ranges, comparisons, times", () =>
      withStore((store) =>
        Effect.gen(function* () {
          const a = makeRecord({
            service: "payments",
            level: "ERROR",
            host: "web-1",
            timestamp: at(1),
            message: "card declined",
            attributes: { status: 502, user_id: "42", region: "eu-west" }
          })
          const b = makeRecord({
            service: "pay-gateway",
            level: "WARN",
            host: "web-2",
            timestamp: at(2),
            message: "slow",
            attributes: { status: 200, duration_ms: 1500, user_id: 42 }
          })
          const c = makeRecord({ service: "auth", level: "INFO", timestamp: at(3), message: "login ok", attributes: { status: 404, "it's": "x" } })
          yield* store.index([a, b, c])
          const q = (query: string) => search(store, { text: parseTextQuery(query)! }).pipe(Effect.map((p) => ids(p.logs)))
          expect(yield* q("service:payments")).toEqual([a.id])
          expect(yield* q("service:pay*")).toEqual(ids([b, a]))
          expect(yield* q("level:error")).toEqual([a.id])
          expect(yield* q('host:"web-2"')).toEqual([b.id])
          expect(yield* q("user_id:42")).toEqual(ids([b, a]))
          expect(yield* q("attributes.region:eu*")).toEqual([a.id])
          expect(yield* q("status:[500 TO 599]")).toEqual([a.id])
          expect(yield* q("status:>=404")).toEqual(ids([c, a]))
          expect(yield* q("duration_ms:>1000")).toEqual([b.id])
          expect(yield* q(`timestamp:[${at(2)} TO ${at(3)}]`)).toEqual(ids([c, b]))
          expect(yield* q("declined OR service:auth")).toEqual(ids([c, a]))
          expect(yield* q("-service:pay* status:<500")).toEqual([c.id])
          expect(yield* q("service:%")).toEqual([]) // LIKE metacharacters are literal
          expect(yield* q("-host:web-1")).toEqual(ids([c, b])) // no host at all matches the negation
          expect(yield* q("service:PAY*")).toEqual(ids([b, a])) // wildcards ignore case
          // Words, negated words and fields mixed in one AND.
          expect(yield* q("level:error card -slow")).toEqual([a.id])
          expect(yield* q('status:<1000 -declined -"login ok"')).toEqual([b.id])
          expect(yield* q("host:web* card -declined")).toEqual([])
          expect(yield* q("-host:web-1 -slow login")).toEqual([c.id])
          const textual = makeRecord({ service: "textual", timestamp: at(4), message: "t", attributes: { status: "503", ok: true, code: "abc" } })
          yield* store.index([textual])
          expect(yield* q("service:textual status:[500 TO 599]")).toEqual([textual.id])
          expect(yield* q("service:textual status:>1000")).toEqual([])
          expect(yield* q("service:textual code:<5")).toEqual([]) // text that is not a number never compares
          expect(yield* q("service:textual ok:true")).toEqual([textual.id])
          // A boolean is also 1 or 0 (as SQLite's JSON functions and the live-tail matcher read it),
          // and a wildcard matches its text.
          expect(yield* q("service:textual ok:1")).toEqual([textual.id])
          expect(yield* q("service:textual ok:>0")).toEqual([textual.id])
          expect(yield* q("service:textual ok:t*")).toEqual([textual.id])
          expect(yield* q("service:textual ok:1*")).toEqual([])
        })
      ))

    test("cursor paging visits every match once, newest first, even while new records arrive", () =>
      withStore((store) =>
        Effect.gen(function* () {
          // Several records share a timestamp, so the cursor must break ties.
          const records = Array.from({ length: 25 }, (_, i) => makeRecord({ timestamp: at(Math.floor(i / 4)) }))
          yield* store.index(records)
          const seen: string[] = []
          let cursor: string | undefined
          let pages = 0
          do {
            const decoded = cursor === undefined ? undefined : decodeCursor(cursor)
            const page = yield* search(store, { limit: 7, ...(decoded ? { cursor: decoded } : {}) })
            seen.push(...ids(page.logs))
            cursor = page.next_cursor
            pages++
            // Newer records arriving mid-paging must not shift later pages.
            yield* store.index([makeRecord({ timestamp: at(100 + pages) })])
          } while (cursor !== undefined)
          const expected = [...records].sort((x, y) => y.timestamp - x.timestamp || (x.id < y.id ? 1 : -1))
          expect(seen.length).toBe(25)
          expect(new Set(seen).size).toBe(25)
          expect(seen.map((id) => records.find((r) => r.id === id)!.timestamp)).toEqual(expected.map((r) => r.timestamp))
          expect(pages).toBe(4)
        })
      ))

    test("records of one instant sent in many batches page each once", () =>
      withStore((store) =>
        Effect.gen(function* () {
          const instant = at(5)
          const records = Array.from({ length: 60 }, (_, i) => makeRecord({ service: i % 2 ? "api" : "db", timestamp: instant, message: `same time ${i}` }))
          for (let i = 0; i < records.length; i += 5) yield* store.index(records.slice(i, i + 5))
          yield* store.index([makeRecord({ timestamp: at(4) })])
          const seen: string[] = []
          let cursor: string | undefined
          do {
            const decoded = cursor === undefined ? undefined : decodeCursor(cursor)
            const page = yield* store.search({ limit: 7, text: parseTextQuery("same")!, ...(decoded ? { cursor: decoded } : {}) })
            seen.push(...ids(page.logs))
            cursor = page.next_cursor
          } while (cursor !== undefined)
          expect(seen.length).toBe(60)
          expect(new Set(seen)).toEqual(new Set(ids(records)))
          expect((yield* search(store, { limit: 1 })).logs[0]!.timestamp).toBe(instant)
        })
      ))

    test("a text search with more matches than the count cap still pages newest first by event time", () =>
      withStore((store) =>
        Effect.gen(function* () {
          // Arrival order is not event-time order: late records carry older timestamps.
          const matching = Array.from({ length: countCap * 2 + 7 }, (_, i) => makeRecord({ message: `widget ${i}`, timestamp: at((i * 37) % 101) }))
          const others = Array.from({ length: 30 }, (_, i) => makeRecord({ message: "gadget", timestamp: at(i) }))
          for (let i = 0; i < matching.length; i += 20) yield* store.index([...matching.slice(i, i + 20), ...others.splice(0, 3)])
          const seen: string[] = []
          let cursor: string | undefined
          do {
            const decoded = cursor === undefined ? undefined : decodeCursor(cursor)
            const page = yield* store.search({ limit: 30, text: parseTextQuery("widget"), ...(decoded ? { cursor: decoded } : {}) })
            expect([page.total, page.total_is_lower_bound]).toEqual([countCap, true])
            seen.push(...ids(page.logs))
            cursor = page.next_cursor
          } while (cursor !== undefined)
          const byTime = (id: string) => matching.find((r) => r.id === id)!.timestamp
          expect(new Set(seen).size).toBe(matching.length)
          expect(seen.map(byTime)).toEqual(matching.map((r) => r.timestamp).sort((x, y) => y - x))
        })
      ))

    test(`counts exactly up to ${countCap} matches, then reports a lower bound`, () =>
      withStore((store) =>
        Effect.gen(function* () {
          yield* store.index(Array.from({ length: countCap }, () => makeRecord()))
          const exact = yield* search(store, { limit: 1 })
          expect([exact.total, exact.total_is_lower_bound]).toEqual([countCap, false])
          yield* store.index([makeRecord()])
          const capped = yield* search(store, { limit: 1 })
          expect([capped.total, capped.total_is_lower_bound]).toEqual([countCap, true])
        })
      ))

    test("rollups count what was stored, once, by minute, service and level", () =>
      withStore((store) =>
        Effect.gen(function* () {
          const batch = [
            makeRecord({ service: "api", level: "INFO", timestamp: at(0), message: "ok" }),
            makeRecord({ service: "api", level: "ERROR", timestamp: at(0) + 30_000, message: "timeout after 3000ms id=42" }),
            makeRecord({ service: "api", level: "ERROR", timestamp: at(1), message: "timeout after 2500ms id=7" }),
            makeRecord({ service: "db", level: "FATAL", timestamp: at(2), message: "disk full on /dev/sda1" }),
            makeRecord({ service: "db", level: "INFO", timestamp: at(5), message: "later" })
          ]
          yield* store.index(batch)
          yield* store.index(batch.slice(0, 2)) // redelivered: must not count twice
          const window = { from: at(0), to: at(2) }
          const counts = yield* store.counts(window)
          expect([...counts].sort((a, b) => (a.service + a.level).localeCompare(b.service + b.level)).map((c) => [c.service, c.level, c.count])).toEqual([
            ["api", "ERROR", 2],
            ["api", "INFO", 1],
            ["db", "FATAL", 1]
          ])
          expect((yield* store.counts({ ...window, services: ["db"], levels: ["FATAL"] })).map((c) => c.count)).toEqual([1])

          const series = yield* store.series({ from: at(0), to: at(5) }, 2)
          expect(series.map((p) => [p.bucket - at(0), p.level, p.count])).toEqual([
            [0, "ERROR", 2],
            [0, "INFO", 1],
            [2 * 60_000, "FATAL", 1],
            [4 * 60_000, "INFO", 1]
          ])

          const errors = yield* store.topErrors(window, 10)
          expect(errors.map((e) => [e.service, e.fingerprint, e.count])).toEqual([
            ["api", "timeout after <n>ms id=<n>", 2],
            ["db", "disk full on /dev/sda<n>", 1]
          ])
          expect(errors[0]!.last_seen).toBe(at(1))

          const allTime = yield* store.allTime("db")
          expect(allTime.map((c) => [c.level, c.count]).sort()).toEqual([
            ["FATAL", 1],
            ["INFO", 1]
          ])
          expect(Math.min(...allTime.map((c) => c.first_seen))).toBe(at(2))
        })
      ))

    test("expiry deletes old records in batches, per service rule, from search too; rollups keep their counts", () =>
      withStore((store) =>
        Effect.gen(function* () {
          const old = [1, 2, 3].map((i) => makeRecord({ service: "api", timestamp: at(i), message: `ancient api ${i}` }))
          const oldDb = makeRecord({ service: "db", timestamp: at(1), message: "ancient db" })
          const fresh = makeRecord({ service: "api", timestamp: at(100), message: "fresh api" })
          yield* store.index([...old, oldDb, fresh])
          // Two per transaction: the caller loops until a short batch.
          expect(yield* store.expire({ cutoff: at(50), exceptServices: ["db"] }, 2)).toBe(2)
          expect(yield* store.expire({ cutoff: at(50), exceptServices: ["db"] }, 2)).toBe(1)
          expect(yield* store.expire({ cutoff: at(50), exceptServices: ["db"] }, 2)).toBe(0)
          expect(ids((yield* search(store, {})).logs)).toEqual(ids([fresh, oldDb]))
          expect((yield* search(store, { text: parseTextQuery("ancient")! })).logs.map((l) => l.service)).toEqual(["db"])
          expect(yield* store.expire({ cutoff: at(50), services: ["db"] }, 10)).toBe(1)
          expect(Option.isNone(yield* store.get(oldDb.id))).toBe(true)
          // Five were stored; only `fresh` is left once the rest expired.
          expect(sum(yield* store.allTime())).toBe(capabilities.rollupsOutliveExpiry ? 5 : 1)
        })
      ))

    test("context: the lines before and after a record, same service and host, in time order", () =>
      withStore((store) =>
        Effect.gen(function* () {
          const line = (minute: number, service = "api", host = "h1") =>
            makeRecord({ service, host, timestamp: at(minute), message: `m${minute} ${service} ${host}` })
          const records = [line(1), line(2), line(3, "db"), line(4, "api", "h2"), line(5), line(6), line(7)]
          yield* store.index(records)
          const context = Option.getOrThrow(yield* store.context(records[4]!.id, 2, 1))
          expect(context.before.map((r) => r.message)).toEqual(["m1 api h1", "m2 api h1"])
          expect(context.record.message).toBe("m5 api h1")
          expect(context.after.map((r) => r.message)).toEqual(["m6 api h1"])
          expect(Option.isNone(yield* store.context(makeRecord().id, 1, 1))).toBe(true)
        })
      ))

    test("facets and histogram describe the matches of a search", () =>
      withStore((store) =>
        Effect.gen(function* () {
          yield* store.index([
            makeRecord({ service: "api", level: "ERROR", host: "h1", timestamp: at(0), message: "boom" }),
            makeRecord({ service: "api", level: "ERROR", host: "h2", timestamp: at(1), message: "boom" }),
            makeRecord({ service: "db", level: "WARN", host: "h1", timestamp: at(6), message: "boom" }),
            makeRecord({ service: "db", level: "INFO", timestamp: at(7), message: "fine" })
          ])
          const boom = { text: parseTextQuery("boom")! }
          const facets = yield* store.facets(boom, ["service", "level", "host"], 10, 1000)
          expect(facets.fields).toEqual({
            service: [
              { value: "api", count: 2 },
              { value: "db", count: 1 }
            ],
            level: [
              { value: "ERROR", count: 2 },
              { value: "WARN", count: 1 }
            ],
            host: [
              { value: "h1", count: 2 },
              { value: "h2", count: 1 }
            ]
          })
          expect([facets.scanned, facets.sampled]).toEqual([3, false])
          expect((yield* store.facets(boom, ["service"], 10, 2)).sampled).toBe(true)
          const histogram = yield* store.histogram({ ...boom, from: at(0), to: at(10) }, 5 * 60_000)
          expect(histogram).toEqual([
            { bucket: at(0), count: 2 },
            { bucket: at(5), count: 1 }
          ])
        })
      ))

    test("reports itself healthy", () =>
      withStore((store) =>
        Effect.gen(function* () {
          expect((yield* store.health).status).toBe("healthy")
        })
      ))
  })
