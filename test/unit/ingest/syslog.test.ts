import { describe, expect, test } from "bun:test"
import fc from "fast-check"
import { type Frame, SyslogFramer } from "../../../src/ingest/syslog/framer.ts"
import { parseSyslog } from "../../../src/ingest/syslog/parse.ts"

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

describe("RFC 3164 tags", () => {
  const HEADER = "<30>Dec  7 08:39:53 vm "
  test.each([
    ["app[pid]: (syslog(3), rsyslog from a local socket)", "app5424[77]: via tcp", "77"],
    ["app[pid] and a space (rsyslog forwarding an RFC 5424 message)", "app5424[77] via tcp", "77"],
    ["app[pid]: without a space", "app5424[77]:via tcp", "77"],
    ["app: without a pid", "app5424: via tcp", undefined],
    ["a bare app and a space (rsyslog forwarding a tag without a colon)", "app5424 via tcp", undefined]
  ])("%s: service = tag, proc id kept, tag removed from the message", (_, rest, procid) => {
    const record = parseSyslog(HEADER + rest, NOW)
    expect(record).toEqual({
      service: "app5424",
      message: "via tcp",
      level: "INFO",
      timestamp: Date.parse("2026-12-07T08:39:53Z"),
      host: "vm",
      attributes: { "syslog.facility": "daemon", "syslog.severity": "info", ...(procid ? { "syslog.procid": procid } : {}) }
    })
  })

  test("a [pid] tag straight after the date is the tag, not a hostname", () => {
    expect(parseSyslog("<13>Oct 11 22:14:15 su[230] failed", NOW)).toMatchObject({ service: "su", message: "failed", attributes: { "syslog.procid": "230" } })
  })

  test("without a header a first word is only a tag with a colon or a [pid]: plain text stays the message", () => {
    expect(parseSyslog("<13>disk almost full", NOW)).toMatchObject({ service: "syslog", message: "disk almost full" })
    expect(parseSyslog("<13>smartd[9] disk almost full", NOW)).toMatchObject({
      service: "smartd",
      message: "disk almost full",
      attributes: { "syslog.procid": "9" }
    })
  })

  test("an RFC 3339 date (rsyslog's RSYSLOG_ForwardFormat) with a [pid] tag and a space", () => {
    expect(parseSyslog("<11>2026-12-07T08:39:53.250+01:00 web-1 billing[4242] card declined", NOW)).toEqual({
      service: "billing",
      message: "card declined",
      level: "ERROR",
      timestamp: Date.parse("2026-12-07T07:39:53.250Z"),
      host: "web-1",
      attributes: { "syslog.facility": "user", "syslog.severity": "err", "syslog.procid": "4242" }
    })
  })

  const word = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_.-]{0,15}$/)
  test("property: any priority, BSD date, host, tag form, pid and message parse back into their parts", () => {
    const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 191 }),
        fc.date({ min: new Date("2026-06-01T00:00:00Z"), max: new Date("2027-05-31T23:59:59Z"), noInvalidDate: true }),
        word,
        word,
        fc.option(fc.integer({ min: 1, max: 4_194_304 }), { nil: undefined }),
        fc.constantFrom(": ", " ", ":"),
        fc.stringMatching(/^[^\s][^\n]{0,40}$/),
        (pri, date, host, tag, pid, separator, message) => {
          const d = new Date(Math.floor(date.getTime() / 1000) * 1000)
          const pad = (n: number) => String(n).padStart(2, "0")
          const stamp = `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, " ")} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
          const line = `<${pri}>${stamp} ${host} ${tag}${pid === undefined ? "" : `[${pid}]`}${separator}${message}`
          const record = parseSyslog(line, NOW)
          expect(record.service).toBe(tag)
          expect(record.host).toBe(host)
          expect(record.message).toBe(message)
          expect(record.timestamp).toBe(d.getTime())
          expect(record.attributes["syslog.procid"]).toBe(pid === undefined ? undefined : String(pid))
          expect(record.attributes["syslog.severity"]).toBe(["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"][pri & 7])
          expect(record.attributes["syslog.facility"]).toBeDefined()
        }
      ),
      { numRuns: 500 }
    )
  })
})

describe("syslog TCP framing (RFC 6587)", () => {
  const bytes = (s: string) => new TextEncoder().encode(s)
  const texts = (frames: ReadonlyArray<Frame>) => frames.map((f) => f.text)

  test("octet counting and LF framing, split anywhere across chunks", () => {
    const stream = "26 <13>1 - h app - - - héllo<13>Oct 11 22:14:15 h app: two\n10 <13>three!"
    const whole = new SyslogFramer(1024).push(bytes(stream))
    expect(texts(whole)).toEqual(["<13>1 - h app - - - héllo", "<13>Oct 11 22:14:15 h app: two", "<13>three!"])
    const encoded = bytes(stream)
    for (let cut = 1; cut < encoded.length; cut++) {
      const framer = new SyslogFramer(1024)
      expect([...framer.push(encoded.subarray(0, cut)), ...framer.push(encoded.subarray(cut))]).toEqual(whole)
    }
  })

  test("close path, LF framing: the last message without a newline is returned by end()", () => {
    const framer = new SyslogFramer(1024)
    expect(texts(framer.push(bytes("<14>Dec  7 08:40:30 vm app: first\n<14>Dec  7 08:40:30 vm app: last")))).toEqual(["<14>Dec  7 08:40:30 vm app: first"])
    expect(framer.end()).toEqual([{ text: "<14>Dec  7 08:40:30 vm app: last", truncated: false }])
    expect(framer.end()).toEqual([])
  })

  test("close path, octet counting: a frame cut short by the close is kept, flagged truncated", () => {
    const framer = new SyslogFramer(1024)
    expect(texts(framer.push(bytes("5 <1>ok40 <13>1 - h app - - - cut sho")))).toEqual(["<1>ok"])
    expect(framer.end()).toEqual([{ text: "<13>1 - h app - - - cut sho", truncated: true }])
  })

  test("close path: nothing left, only blanks, or the skipped rest of an oversize line end with no message", () => {
    expect(new SyslogFramer(64).end()).toEqual([])
    const blank = new SyslogFramer(64)
    blank.push(bytes("<1>a\n  \r"))
    expect(blank.end()).toEqual([])
    const oversize = new SyslogFramer(8)
    expect(oversize.push(bytes("0123456789abcdef"))).toEqual([{ text: "01234567", truncated: true }])
    expect(oversize.end()).toEqual([])
  })

  test("senders that write no newline between messages (log4j2's default): each header starts a new message", () => {
    const stream = "<131>Dec  7 08:40:30 vm card declined<132>Dec  7 08:40:30 vm retrying payment<134>1 2026-12-07T08:40:30Z vm app - - - accepted"
    const framer = new SyslogFramer(1024)
    expect(texts(framer.push(bytes(stream)))).toEqual(["<131>Dec  7 08:40:30 vm card declined", "<132>Dec  7 08:40:30 vm retrying payment"])
    expect(texts(framer.end())).toEqual(["<134>1 2026-12-07T08:40:30Z vm app - - - accepted"])
    // A "<" that starts no header is text.
    const plain = new SyslogFramer(1024)
    expect(texts([...plain.push(bytes("<13>Dec  7 08:40:30 vm app: a<b and <13> c\n")), ...plain.end()])).toEqual([
      "<13>Dec  7 08:40:30 vm app: a<b and <13> c"
    ])
  })

  test("an oversize message is cut (on a UTF-8 boundary), flagged truncated, and its rest skipped", () => {
    const framer = new SyslogFramer(8)
    expect(framer.push(bytes("12 abcdefghijkl"))).toEqual([{ text: "abcdefgh", truncated: true }])
    expect(framer.push(bytes("0123456789abcdef"))).toEqual([{ text: "01234567", truncated: true }])
    expect(framer.push(bytes("more of the same line\n<1>ok\n"))).toEqual([{ text: "<1>ok", truncated: false }])
    expect(framer.push(bytes("1234567é9\n"))).toEqual([{ text: "1234567", truncated: true }])
    expect(framer.push(bytes("8 exactly8"))).toEqual([{ text: "exactly8", truncated: false }])
  })

  const message = fc
    .tuple(fc.integer({ min: 0, max: 191 }), fc.stringMatching(/^[^\n<]{0,60}$/))
    .map(([pri, text]) => `<${pri}>1 2026-12-07T08:40:30Z h app - - - ${text}`)
  const framing = fc.constantFrom("octet", "lf")
  const encode = (m: string, how: string) => (how === "octet" ? `${Buffer.byteLength(m)} ${m}` : `${m}\n`)

  test("property: messages in any framing, cut into chunks anywhere, the last one without its newline, all come out once", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(message, framing), { minLength: 1, maxLength: 12 }), fc.array(fc.nat(), { maxLength: 8 }), (messages, cuts) => {
        const stream = bytes(
          messages
            .map(([m, how]) => encode(m, how))
            .join("")
            .replace(/\n$/, "")
        )
        const framer = new SyslogFramer(1024)
        const at = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b)
        const out: Frame[] = []
        let from = 0
        for (const cut of [...at, stream.length]) {
          out.push(...framer.push(stream.subarray(from, cut)))
          from = cut
        }
        out.push(...framer.end())
        expect(texts(out)).toEqual(messages.map(([m]) => m))
        expect(out.every((f) => !f.truncated)).toBe(true)
      }),
      { numRuns: 300 }
    )
  })

  test("property: whatever arrives, the framer never holds more than the longest message plus an octet count's header", () => {
    const max = 64
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 20 }),
        fc.array(fc.constantFrom("\n", "<13>", "99 ", "5 ", "a".repeat(70)), { maxLength: 20 }),
        (chunks, pieces) => {
          const framer = new SyslogFramer(max)
          for (const [i, chunk] of chunks.entries()) {
            for (const frame of framer.push(chunk)) expect(Buffer.byteLength(frame.text)).toBeLessThanOrEqual(max * 3)
            framer.push(bytes(pieces[i] ?? ""))
            expect(framer.held).toBeLessThanOrEqual(max + 11)
          }
        }
      ),
      { numRuns: 500 }
    )
  })
})
