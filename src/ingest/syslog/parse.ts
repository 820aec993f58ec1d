import type { Level } from "../../domain/log-record.ts"

/**
 * Syslog messages (RFC 5424, and the older BSD format of RFC 3164) → the raw object `normalise`
 * takes. Never fails: a line that fits neither format is kept whole as the message of service
 * "syslog" (with `syslog.malformed: true`), so nothing a device sends is lost to a parser's
 * opinion. Framing for TCP (RFC 6587: octet counting or newline-terminated) is framer.ts.
 *
 * Mapping: APP-NAME (3164: the tag, `app[pid]:`, `app:` or `app[pid]` and a space, and after a
 * hostname also a bare `app` and a space: rsyslog forwards tags without a colon so) → service;
 * severity → level (emerg/alert/crit → FATAL, err → ERROR, warning → WARN, notice/info → INFO,
 * debug → DEBUG); HOSTNAME → host;
 * TIMESTAMP → timestamp; facility, severity, PROCID, MSGID as `syslog.*` attributes;
 * structured data as `syslog.sd.<SD-ID>.<PARAM-NAME>`.
 */

const FACILITIES = [
  "kern",
  "user",
  "mail",
  "daemon",
  "auth",
  "syslog",
  "lpr",
  "news",
  "uucp",
  "cron",
  "authpriv",
  "ftp",
  "ntp",
  "security",
  "console",
  "solaris-cron",
  "local0",
  "local1",
  "local2",
  "local3",
  "local4",
  "local5",
  "local6",
  "local7"
]
const SEVERITIES = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"]
const LEVELS: ReadonlyArray<Level> = ["FATAL", "FATAL", "FATAL", "ERROR", "WARN", "INFO", "INFO", "DEBUG"]
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

export interface RawSyslogRecord {
  readonly service: string
  readonly message: string
  readonly level?: Level
  readonly timestamp?: number
  readonly host?: string
  readonly attributes: Record<string, string | number | boolean>
}

const DEFAULT_SERVICE = "syslog"
const nil = (token: string | undefined) => (token === undefined || token === "-" ? undefined : token)

const priority = (pri: number) => {
  const facility = pri >> 3
  const severity = pri & 7
  return {
    level: LEVELS[severity]!,
    attributes: { "syslog.facility": FACILITIES[facility] ?? String(facility), "syslog.severity": SEVERITIES[severity]! }
  }
}

/** Structured data `[id k="v" …][id2 …]` → attributes; returns where the message starts, or -1 if malformed. */
const parseStructuredData = (text: string, start: number, into: Record<string, string>): number => {
  let i = start
  if (text[i] === "-") return i + 1
  while (text[i] === "[") {
    i++
    let end = i
    while (end < text.length && text[end] !== " " && text[end] !== "]") end++
    const id = text.slice(i, end)
    if (id === "") return -1
    i = end
    while (text[i] === " ") {
      i++
      const eq = text.indexOf("=", i)
      if (eq === -1 || text[eq + 1] !== '"') return -1
      const name = text.slice(i, eq)
      let value = ""
      let j = eq + 2
      for (; j < text.length && text[j] !== '"'; j++) {
        // Inside a value, \" \\ and \] are escapes; any other backslash is kept (RFC 5424 §6.3.3).
        if (text[j] === "\\" && (text[j + 1] === '"' || text[j + 1] === "\\" || text[j + 1] === "]")) j++
        value += text[j]
      }
      if (j >= text.length) return -1
      into[`syslog.sd.${id}.${name}`] = value
      i = j + 1
    }
    if (text[i] !== "]") return -1
    i++
  }
  return i
}

const RFC5424_HEADER = /^<(\d{1,3})>(\d{1,2}) (\S+) (\S+) (\S+) (\S+) (\S+) /
const RFC3164_DATE = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) /
const ISO_DATE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})) /
/** A 3164 tag: a name, an optional `[pid]`, then a colon, a space or the end (group 3: the colon). */
const TAG = /^([^\s:[\]]{1,48})(?:\[([^\]\s]{1,128})\])?(?:(:) ?| |$)/

const parse5424 = (line: string, match: RegExpExecArray): RawSyslogRecord | undefined => {
  const pri = Number(match[1])
  if (pri > 191) return undefined
  const [, , version, timestampText, hostname, appName, procId, msgId] = match
  let timestamp: number | undefined
  if (timestampText !== "-") {
    timestamp = Date.parse(timestampText!)
    if (Number.isNaN(timestamp)) return undefined
  }
  const sd: Record<string, string> = {}
  const messageStart = parseStructuredData(line, match[0].length, sd)
  if (messageStart === -1) return undefined
  let message = line.slice(messageStart).replace(/^ /, "")
  if (message.startsWith("\uFEFF")) message = message.slice(1)
  const { level, attributes } = priority(pri)
  return {
    service: nil(appName) ?? DEFAULT_SERVICE,
    message,
    level,
    ...(timestamp !== undefined ? { timestamp } : {}),
    ...(nil(hostname) ? { host: hostname } : {}),
    attributes: {
      ...attributes,
      "syslog.version": Number(version),
      ...(nil(procId) ? { "syslog.procid": procId! } : {}),
      ...(nil(msgId) ? { "syslog.msgid": msgId! } : {}),
      ...sd
    }
  }
}

/** BSD dates carry no year: the one that puts the date nearest to now (a December line read in January is last year's). */
const bsdTimestamp = (m: RegExpExecArray, now: number): number | undefined => {
  const month = MONTHS.indexOf(m[1]!)
  if (month === -1) return undefined
  const year = new Date(now).getUTCFullYear()
  const candidates = [year - 1, year, year + 1].map((y) => Date.UTC(y, month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])))
  return candidates.reduce((best, t) => (Math.abs(t - now) < Math.abs(best - now) ? t : best))
}

const parse3164 = (line: string, pri: number, now: number): RawSyslogRecord => {
  let rest = line
  let timestamp: number | undefined
  const bsd = RFC3164_DATE.exec(rest)
  const iso = bsd ? undefined : ISO_DATE.exec(rest)
  if (bsd) {
    timestamp = bsdTimestamp(bsd, now)
    rest = rest.slice(bsd[0].length)
  } else if (iso) {
    timestamp = Date.parse(iso[1]!)
    rest = rest.slice(iso[0].length)
  }
  // HOSTNAME is there when a timestamp is and the next word is not already the tag ("app[12]:" / "app:").
  let host: string | undefined
  const firstSpace = rest.indexOf(" ")
  if (timestamp !== undefined && firstSpace > 0) {
    const word = rest.slice(0, firstSpace)
    if (!word.endsWith(":") && !/\[[^\]]*\]:?$/.test(word)) {
      host = word
      rest = rest.slice(firstSpace + 1)
    }
  }
  // Without a header, a first word before a space is just text; with one, RFC 3164 makes it the tag.
  const match = TAG.exec(rest)
  const tag = match && (match[2] !== undefined || match[3] !== undefined || host !== undefined) ? match : undefined
  const { level, attributes } = priority(pri)
  return {
    service: tag?.[1] ?? DEFAULT_SERVICE,
    message: tag ? rest.slice(tag[0].length) : rest,
    level,
    ...(timestamp !== undefined && !Number.isNaN(timestamp) ? { timestamp } : {}),
    ...(host ? { host } : {}),
    attributes: { ...attributes, ...(tag?.[2] ? { "syslog.procid": tag[2] } : {}) }
  }
}

/** Parses one syslog message (without its framing); `now` dates BSD timestamps, which have no year. */
export const parseSyslog = (input: string, now: number): RawSyslogRecord => {
  const line = input.replace(/[\r\n\0]+$/, "")
  const rfc5424 = RFC5424_HEADER.exec(line)
  if (rfc5424 && rfc5424[2] !== "0") {
    const parsed = parse5424(line, rfc5424)
    if (parsed) return parsed
  }
  const pri = /^<(\d{1,3})>/.exec(line)
  if (pri && Number(pri[1]) <= 191) return parse3164(line.slice(pri[0].length), Number(pri[1]), now)
  return { service: DEFAULT_SERVICE, message: line, attributes: { "syslog.malformed": true } }
}
