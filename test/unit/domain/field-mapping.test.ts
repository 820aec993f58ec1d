import { describe, expect, test } from "bun:test"
import fc from "fast-check"
import { loadConfig } from "../../../src/config.ts"
import { timeOf } from "../../../src/domain/event-time.ts"
import { DEFAULT_FIELD_LISTS, DEFAULT_FIELD_MAP, fieldMap, mapDocument, parseSyslogTag, remainingFields } from "../../../src/domain/field-mapping.ts"
import { levelFromNumber, levelOf } from "../../../src/domain/level.ts"
import { normalise } from "../../../src/domain/normalise.ts"
import { ulidFor, ulidTime } from "../../../src/domain/ulid.ts"
import { configuredFieldMap } from "../../../src/ingest/field-map.ts"

const NOW = Date.parse("2026-12-07T12:00:00Z")
const T = Date.parse("2026-12-07T10:00:00.123Z")

describe("levels", () => {
  test.each([
    ["INFO", "INFO"],
    ["Warning", "WARN"],
    ["  eRRoR ", "ERROR"],
    ["silly", "TRACE"],
    ["http", "INFO"],
    ["WRN", "WARN"],
    ["ftl", "FATAL"],
    ["emerg", "FATAL"],
    ["30", "INFO"]
  ])("the name %p reads as %p", (raw, level) => {
    expect(levelOf(raw, "pino")).toBe(level as never)
  })

  test("pino and bunyan numbers: 10 trace … 60 fatal, a number between two levels counts as the lower one", () => {
    expect([10, 20, 30, 40, 50, 60].map((n) => levelFromNumber(n, "pino"))).toEqual(["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"])
    fc.assert(
      fc.property(fc.double({ min: 10, max: 1e6, noNaN: true }), (n) => {
        const band = Math.min(60, Math.floor(n / 10) * 10)
        expect(levelFromNumber(n, "pino")).toBe(levelFromNumber(band, "pino")!)
      })
    )
    fc.assert(fc.property(fc.double({ min: -1e6, max: 9.999, noNaN: true }), (n) => expect(levelFromNumber(n, "pino")).toBeUndefined()))
  })

  test("syslog severities 0–7 where the key says so; anything else there is no level", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((n) => levelFromNumber(n, "syslog"))).toEqual(["FATAL", "FATAL", "FATAL", "ERROR", "WARN", "INFO", "INFO", "DEBUG"])
    fc.assert(
      fc.property(
        fc.double({ noNaN: true }).filter((n) => !(Number.isInteger(n) && n >= 0 && n <= 7)),
        (n) => expect(levelFromNumber(n, "syslog")).toBeUndefined()
      )
    )
    expect(mapDocument({ "syslog.severity": 3 }).level).toBe("ERROR")
    expect(mapDocument({ severity: "4" }).level).toBe("WARN")
    expect(mapDocument({ PRIORITY: 7 }).level).toBe("DEBUG")
    expect(mapDocument({ level: 3 }).unknownLevel).toEqual({ key: "level", value: 3 })
    expect(mapDocument({ level: 50 }).level).toBe("ERROR")
    expect(mapDocument({ log: { level: 60 } }).level).toBe("FATAL")
  })

  test("an unknown level is reported with its key and not taken", () => {
    const mapped = mapDocument({ level: "audit", severity: "error" })
    expect(mapped.level).toBeUndefined()
    expect(mapped.unknownLevel).toEqual({ key: "level", value: "audit" })
    expect(mapped.taken).not.toContain("level")
  })
})

describe("event times", () => {
  test("epoch seconds, milliseconds, microseconds and nanoseconds are told apart by magnitude", () => {
    // 1973 to 2500; nanoseconds past 2^53 are not exact as JSON numbers, so they may be 1 ms off.
    fc.assert(
      fc.property(fc.integer({ min: 1e11, max: 16_725_225_600_000 }), (ms) => {
        expect(timeOf(ms)).toBe(ms)
        expect(timeOf(ms / 1000)).toBe(ms)
        expect(timeOf(ms * 1000)).toBe(ms)
        expect(Math.abs(timeOf(ms * 1e6)! - ms)).toBeLessThanOrEqual(1)
        expect(timeOf(String(ms))).toBe(ms)
        expect(timeOf(new Date(ms).toISOString())).toBe(ms)
      }),
      { numRuns: 500 }
    )
    // Each unit ends where the next begins.
    expect([99_999_999_999, 1e11, 1e14 - 1, 1e14, 1e17 - 1000, 1e17].map(timeOf)).toEqual([99_999_999_999_000, 1e11, 1e14 - 1, 1e11, 1e14 - 1, 1e11])
  })

  test("an epoch written as text, with or without a fraction of seconds", () => {
    expect(timeOf("1765101600")).toBe(1765101600000)
    expect(timeOf("1765101600.25")).toBe(1765101600250)
    expect(timeOf("2026-12-07T10:00:00.123456+00:00")).toBe(T)
    expect(timeOf("yesterday")).toBeUndefined()
    expect(timeOf(true)).toBeUndefined()
  })

  test.each([["@timestamp"], ["timestamp"], ["time"], ["ts"], ["ISODATE"]])("%p gives the time; a value that is no time is reported", (key) => {
    expect(mapDocument({ [key]: T }).timestamp).toBe(T)
    expect(mapDocument({ [key]: "soon" }).badTimestamp).toEqual({ key, value: "soon" })
  })
})

describe("which key wins", () => {
  // The order docs/shippers.md states: the first candidate present wins.
  test.each([
    ["timestamp", { time: 1, ts: 2, timestamp: 3, "@timestamp": T }, T],
    ["message", { log: "l", MESSAGE: "M", msg: "m", message: "message" }, "message"],
    ["message", { log: "l", msg: "m" }, "m"],
    ["level", { detected_level: "debug", severity: "warn", level: "error", log: { level: "fatal" } }, "FATAL"],
    ["level", { detected_level: "debug", severity_text: "warn" }, "WARN"],
    ["service", { name: "n", kubernetes: { container_name: "c", labels: { app: "a" } }, programname: "p", app: "x", service: "s" }, "s"],
    ["service", { name: "n", kubernetes: { container_name: "c", labels: { app: "a", "app.kubernetes.io/name": "k" } } }, "k"],
    ["service", { name: "n", kubernetes: { container_name: "c" } }, "c"],
    ["service", { name: "checkout" }, "checkout"],
    ["service", { appname: "a", syslogtag: "t:" }, "a"],
    ["host", { hostname: "n", host: "h" }, "h"],
    ["host", { hostname: "n", host: { name: "hn", ip: "10.0.0.1" } }, "hn"],
    ["host", { hostname: "n" }, "n"],
    ["trace_id", { traceId: "c", trace_id: "b", trace: { id: "a" } }, "a"],
    ["span_id", { spanId: "c", span_id: "b" }, "b"]
  ] as const)("%p of %j is %p", (field, doc, expected) => {
    expect(mapDocument(doc as Record<string, unknown>)[field]).toBe(expected as never)
  })

  test("a dotted key is found however the document nests it", () => {
    for (const doc of [
      { "kubernetes.labels.app.kubernetes.io/name": "web" },
      { kubernetes: { labels: { "app.kubernetes.io/name": "web" } } },
      { "kubernetes.labels": { app: { kubernetes: { "io/name": "web" } } } }
    ])
      expect(mapDocument(doc).service).toBe("web")
  })

  test("keys under `fields` count after every top-level one (winston-elasticsearch, Filebeat)", () => {
    expect(mapDocument({ fields: { service: "f", host: "fh" }, message: "m" })).toMatchObject({ service: "f", host: "fh" })
    expect(mapDocument({ fields: { service: "f" }, name: "top" }).service).toBe("top")
  })

  test("empty text, null and objects are not values: the next candidate is tried", () => {
    expect(mapDocument({ service: "", app: "a" }).service).toBe("a")
    expect(mapDocument({ service: null, app: "a" }).service).toBe("a")
    expect(mapDocument({ service: { name: "inner" }, app: "a" }).service).toBe("inner")
    expect(mapDocument({ host: true, hostname: "h" }).host).toBe("h")
  })

  test("the lists are configurable, the old ES_FIELD_* names are still read, and LOG_FIELD_* wins over them", () => {
    const map = configuredFieldMap(loadConfig({ LOG_FIELD_SERVICE: "component", ES_FIELD_SERVICE: "ignored", ES_FIELD_LEVEL: "sev" }))
    expect(mapDocument({ service: "s", component: "c", ignored: "i" }, map).service).toBe("c")
    expect(mapDocument({ level: "error", sev: "warn" }, map).level).toBe("WARN")
    expect(configuredFieldMap(loadConfig({})).lists).toEqual(DEFAULT_FIELD_LISTS)
  })
})

describe("syslog tags", () => {
  test("`prog[pid]:`, `prog:` and `prog` name the program; the pid is kept", () => {
    expect(parseSyslogTag("billing[6766]:")).toEqual({ program: "billing", pid: "6766" })
    expect(parseSyslogTag("billing:")).toEqual({ program: "billing" })
    expect(parseSyslogTag("billing")).toEqual({ program: "billing" })
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_./-]{1,32}$/), fc.integer({ min: 1, max: 4_194_304 }), (program, pid) => {
        expect(parseSyslogTag(`${program}[${pid}]:`)).toEqual({ program, pid: String(pid) })
      })
    )
  })

  test("rsyslog's documented Elasticsearch template: service from syslogtag, its pid kept, the leading space of msg dropped", () => {
    const doc = {
      timestamp: "2026-12-07T10:00:00.123+00:00",
      message: " card declined",
      host: "web-3",
      severity: "err",
      facility: "local3",
      syslogtag: "billing[42]:"
    }
    const result = normalise(doc, NOW)
    expect(result.ok && result.record).toMatchObject({
      service: "billing",
      host: "web-3",
      level: "ERROR",
      timestamp: T,
      message: "card declined",
      attributes: { facility: "local3", "syslog.procid": "42" }
    })
  })
})

describe("records from common shapes", () => {
  test("a pino line: numeric level, epoch time, msg, hostname; pid and bindings become attributes", () => {
    const result = normalise({ level: 50, time: T, pid: 7, hostname: "h1", name: "checkout", msg: "card declined", order: { id: 42 } }, NOW)
    expect(result.ok && result.record).toMatchObject({
      service: "checkout",
      level: "ERROR",
      timestamp: T,
      host: "h1",
      message: "card declined",
      attributes: { pid: 7, "order.id": 42 }
    })
  })

  test("keys that lost to another candidate are kept as attributes, never dropped", () => {
    const result = normalise({ service: "s", message: "m", msg: "other", timestamp: T, time: 5 }, NOW)
    expect(result.ok && result.record.attributes).toEqual({ msg: "other", time: 5 })
  })

  test("remainingFields flattens what the mapping did not take", () => {
    const doc = { service: { name: "s", version: "1" }, http: { status: 200 }, deep: { a: { b: { c: { d: { e: { f: { g: { h: 1 } } } } } } } } }
    expect(remainingFields(doc, mapDocument(doc).taken)).toEqual({ "service.version": "1", "http.status": 200, "deep.a.b.c.d.e.f.g": '{"h":1}' })
  })

  test("a field map compiles its own lists; an empty list maps nothing", () => {
    const map = fieldMap({ ...DEFAULT_FIELD_LISTS, service: [] })
    expect(mapDocument({ service: "s" }, map).service).toBeUndefined()
    expect(mapDocument({ service: "s" }, DEFAULT_FIELD_MAP).service).toBe("s")
  })
})

describe("ids from a client's own document id", () => {
  test("the same key and time give the same valid ULID, carrying that time; other keys give others", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 48 - 1 }), fc.string(), fc.string(), (time, a, b) => {
        const id = ulidFor(time, a)
        expect(id).toBe(ulidFor(time, a))
        expect(ulidTime(id)).toBe(time)
        if (a !== b) expect(ulidFor(time, b)).not.toBe(id)
      })
    )
  })
})
