import { describe, expect, test } from "bun:test"
import { parseSyslog, SyslogFramer } from "../../../src/ingest/syslog/parse.ts"

const NOW = Date.parse("2026-11-30T12:00:00Z")

describe("syslog parsing", () => {
  test("RFC 5424 with structured data (escapes included), a BOM and every header field", () => {
    const record = parseSyslog(
      `<165>1 2026-11-30T10:15:03.123+01:00 mymachine.example.com evntslog 8710 ID47 [exampleSDID@32473 iut="3" eventSource="Appli\\"cation\\]"][meta seq="9"] \uFEFFAn application event log entry`,
      NOW
    )
    expect(record).toEqual({
      service: "evntslog",
      message: "An application event log entry",
      level: "INFO",
      timestamp: Date.parse("2026-11-30T09:15:03.123Z"),
      host: "mymachine.example.com",
      attributes: {
        "syslog.facility": "local4",
        "syslog.severity": "notice",
        "syslog.version": 1,
        "syslog.procid": "8710",
        "syslog.msgid": "ID47",
        "syslog.sd.exampleSDID@32473.iut": "3",
        "syslog.sd.exampleSDID@32473.eventSource": 'Appli"cation]',
        "syslog.sd.meta.seq": "9"
      }
    })
  })

  test("RFC 5424 with nil values keeps what is there", () => {
    expect(parseSyslog("<11>1 - - - - - -", NOW)).toEqual({
      service: "syslog",
      message: "",
      level: "ERROR",
      attributes: { "syslog.facility": "user", "syslog.severity": "err", "syslog.version": 1 }
    })
  })

  test("RFC 3164: BSD date without a year, hostname, tag with pid", () => {
    expect(parseSyslog("<34>Oct 11 22:14:15 mymachine su[230]: 'su root' failed for lonvick on /dev/pts/8", NOW)).toEqual({
      service: "su",
      message: "'su root' failed for lonvick on /dev/pts/8",
      level: "FATAL",
      timestamp: Date.parse("2026-10-11T22:14:15Z"),
      host: "mymachine",
      attributes: { "syslog.facility": "auth", "syslog.severity": "crit", "syslog.procid": "230" }
    })
  })

  test("RFC 3164: a December line read in January is last year's; no hostname when the tag follows the date", () => {
    const record = parseSyslog("<13>Dec 31 23:59:59 cron: job done", Date.parse("2027-01-01T00:00:10Z"))
    expect(record).toMatchObject({ service: "cron", message: "job done", level: "INFO", timestamp: Date.parse("2026-12-31T23:59:59Z") })
    expect(record.host).toBeUndefined()
  })

  test.each([
    ["no priority at all", "just some text from a device"],
    ["priority out of range", "<999>1 2026-11-30T10:00:00Z h a - - - x"]
  ])("a malformed line (%s) is kept whole as the message", (_, line) => {
    expect(parseSyslog(line, NOW)).toEqual({ service: "syslog", message: line, attributes: { "syslog.malformed": true } })
  })

  test("an RFC 5424 header with a broken timestamp or structured data falls back to the BSD reading, keeping the text", () => {
    const record = parseSyslog("<14>1 not-a-date host app - - - hello", NOW)
    expect(record.level).toBe("INFO")
    expect(record.message).toContain("hello")
  })
})

describe("syslog TCP framing (RFC 6587)", () => {
  const bytes = (s: string) => new TextEncoder().encode(s)

  test("octet counting and LF framing, split anywhere across chunks", () => {
    const stream = "26 <13>1 - h app - - - héllo<13>Oct 11 22:14:15 h app: two\n10 <13>three!"
    const whole = new SyslogFramer(1024).push(bytes(stream))
    expect(whole).toEqual(["<13>1 - h app - - - héllo", "<13>Oct 11 22:14:15 h app: two", "<13>three!"])
    const encoded = bytes(stream)
    for (let cut = 1; cut < encoded.length; cut++) {
      const framer = new SyslogFramer(1024)
      expect([...framer.push(encoded.subarray(0, cut)), ...framer.push(encoded.subarray(cut))]).toEqual(whole)
    }
  })

  test("an oversize octet-counted frame is cut and its rest skipped; an overlong line is split", () => {
    const framer = new SyslogFramer(8)
    expect(framer.push(bytes("12 abcdefghijkl"))).toEqual(["abcdefgh"])
    expect(framer.push(bytes("0123456789abcdef\n"))).toEqual(["01234567", "89abcdef"])
    expect(framer.push(bytes("<1>ok\n"))).toEqual(["<1>ok"])
  })
})
