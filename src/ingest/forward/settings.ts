import { z } from "zod"
import { int, MiB, secretFile, settingsSection } from "../../settings.ts"

/** A regular expression that compiles and has at most one capture group (the service). */
const tagRule = z
  .string()
  .min(1)
  .max(512)
  .refine((source) => {
    try {
      return new RegExp(`${source}|`).exec("")!.length <= 2
    } catch {
      return false
    }
  }, "expected a regular expression with at most one capture group")

export const forwardSettings = settingsSection(
  "Fluent forward",
  "The Fluent forward protocol (Fluent Bit's and Fluentd's `forward` output) over TCP; off unless its port is set.",
  {
    FLUENT_FORWARD_HOST: z.string().min(1).default("0.0.0.0").describe("Address the forward listener binds to."),
    FLUENT_FORWARD_PORT: int(0, 65535)
      .optional()
      .describe("Fluent forward over TCP (Message, Forward, PackedForward and CompressedPackedForward modes, `chunk` acknowledgements); off when unset."),
    FLUENT_FORWARD_MAX_MESSAGE_BYTES: int(1024, 256 * MiB)
      .default(16 * MiB)
      .describe(
        "Largest forward message, and largest CompressedPackedForward entries once inflated; a larger one closes the connection unacknowledged (counted in forward_messages_refused_total), so the sender's retry goes elsewhere or after it splits its chunks."
      ),
    FLUENT_FORWARD_MAX_CONNECTIONS: int(1, 1_000_000).default(1_024).describe("Open forward connections at once; further ones are closed at once (counted)."),
    FLUENT_FORWARD_MAX_PER_SOURCE: int(1, 1_000_000)
      .default(64)
      .describe("Open forward connections from one address at once; further ones are closed at once (counted)."),
    FLUENT_FORWARD_IDLE_TIMEOUT_MS: int(1_000, 86_400_000)
      .default(300_000)
      .describe("A forward connection that sends nothing for this long (and waits for no commit) is closed (counted)."),
    FLUENT_FORWARD_SHARED_KEY: z
      .string()
      .min(1)
      .max(1024)
      .optional()
      .describe("Shared key of the forward handshake (HELO/PING/PONG); when set, a sender must prove it holds the same key before it sends events."),
    FLUENT_FORWARD_SHARED_KEY_FILE: secretFile("FLUENT_FORWARD_SHARED_KEY"),
    FLUENT_FORWARD_SELF_HOSTNAME: z.string().min(1).max(255).default("logflow").describe("The server hostname LogFlow gives in the handshake's PONG."),
    FLUENT_FORWARD_SERVICE_FROM_TAG: tagRule
      .default("^(.+)$")
      .describe(
        "How an event's tag names its service when the record has no service key (LOG_FIELD_SERVICE): a regular expression whose capture group (or whole match) is the service; `^([^.]+)` takes the tag's first part. A tag it does not match is the service as it is."
      )
  }
)
