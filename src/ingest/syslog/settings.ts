import { z } from "zod"
import { int, MiB, settingsSection } from "../../settings.ts"

export const syslogSettings = settingsSection("Syslog", "The syslog listeners; each is off unless its port is set.", {
  SYSLOG_HOST: z.string().min(1).default("0.0.0.0").describe("Address the syslog listeners bind to."),
  SYSLOG_UDP_PORT: int(0, 65535).optional().describe("Syslog over UDP (RFC 5424 and RFC 3164, one message per datagram); off when unset."),
  SYSLOG_TCP_PORT: int(0, 65535).optional().describe("Syslog over TCP (octet-counted or newline-delimited frames); off when unset."),
  SYSLOG_MAX_MESSAGE_BYTES: int(480, 16 * MiB)
    .default(64 * 1024)
    .describe(
      "Longest syslog message (TCP frame or UDP datagram); a longer one is stored cut there, with `syslog.truncated: true`, and counted in syslog_messages_truncated_total. A TCP connection's framer holds no more than this between reads."
    ),
  SYSLOG_BUFFER_RECORDS: int(1, 10_000_000)
    .default(100_000)
    .describe("Syslog records waiting for the pipeline; near it TCP senders are paused (TCP backpressure), at it UDP messages are dropped (counted)."),
  SYSLOG_BUFFER_BYTES: int(MiB, 16 * 1024 * MiB)
    .default(64 * MiB)
    .describe("The same bound in bytes of messages, whichever is reached first: many long messages cannot take the memory that many short ones may."),
  SYSLOG_TCP_MAX_CONNECTIONS: int(1, 1_000_000).default(1_024).describe("Open syslog TCP connections at once; further ones are closed at once (counted)."),
  SYSLOG_TCP_MAX_PER_SOURCE: int(1, 1_000_000)
    .default(64)
    .describe("Open syslog TCP connections from one address at once; further ones are closed at once (counted)."),
  SYSLOG_TCP_IDLE_TIMEOUT_MS: int(1_000, 86_400_000).default(300_000).describe("A syslog TCP connection that sends nothing for this long is closed (counted).")
})
